import type { ClipBackend } from '../backend.js';
import type { ConformanceCase } from './case-format.js';
import { conformanceCases } from './cases.js';
import { type CaseOutcome, type CaseStatus, checkCase } from './check-case.js';
import { checkSequenceCase } from './check-sequence-case.js';
import type { SequenceCase } from './sequence-case-format.js';
import { sequenceCases as kitSequenceCases } from './sequence-cases.js';

export interface RunConformanceOptions<T> {
  /** Async factory of the backend under test; it is disposed after the run. */
  readonly create: () => Promise<ClipBackend<T>>;
  /** Default: every case of the kit. */
  readonly cases?: readonly ConformanceCase[];
  /**
   * Multi-step cases (stateful kinds, agc), each on one clipper, run after `cases`. Default: the
   * kit's `sequenceCases` when `cases` is omitted too (the whole kit), none when `cases` is given.
   */
  readonly sequenceCases?: readonly SequenceCase[];
  readonly keepOutputs?: boolean;
  /** Called after each case, e.g. for progress output. */
  readonly onCase?: (outcome: CaseOutcome, index: number, total: number) => void;
}

export interface ConformanceRun {
  readonly backend: { readonly id: string; readonly name: string; readonly version: string };
  readonly outcomes: readonly CaseOutcome[];
  readonly counts: Readonly<Record<CaseStatus, number>>;
  /** True when no case failed and no expected failure unexpectedly passed. */
  readonly passed: boolean;
}

/** Runs the kit on one backend (single cases, then sequence cases), runner-agnostic: returns outcomes, never asserts. */
export async function runConformance<T>(options: RunConformanceOptions<T>): Promise<ConformanceRun> {
  const cases = options.cases ?? conformanceCases;
  const sequences = options.sequenceCases ?? (options.cases === undefined ? kitSequenceCases : []);
  const total = cases.length + sequences.length;
  const backend = await options.create();
  const outcomes: CaseOutcome[] = [];
  const record = (outcome: CaseOutcome) => {
    outcomes.push(outcome);
    options.onCase?.(outcome, outcomes.length - 1, total);
  };
  try {
    for (const testCase of cases) {
      record(await checkCase(backend, testCase, { keepOutputs: options.keepOutputs ?? false }));
    }
    for (const testCase of sequences) record(await checkSequenceCase(backend, testCase));
  } finally {
    await backend.dispose();
  }
  const counts: Record<CaseStatus, number> = {
    pass: 0,
    fail: 0,
    skip: 0,
    'expected-failure': 0,
    'unexpected-pass': 0,
  };
  for (const outcome of outcomes) counts[outcome.status]++;
  return {
    backend: { id: backend.id, name: backend.name, version: backend.version },
    outcomes,
    counts,
    passed: counts.fail === 0 && counts['unexpected-pass'] === 0,
  };
}
