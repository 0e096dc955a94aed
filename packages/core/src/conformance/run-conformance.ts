import type { ClipBackend } from '../backend.js';
import type { ConformanceCase } from './case-format.js';
import { conformanceCases } from './cases.js';
import { type CaseOutcome, type CaseStatus, checkCase } from './check-case.js';

export interface RunConformanceOptions<T> {
  /** Async factory of the backend under test; it is disposed after the run. */
  readonly create: () => Promise<ClipBackend<T>>;
  /** Default: every case of the kit. */
  readonly cases?: readonly ConformanceCase[];
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

/** Runs the kit on one backend, runner-agnostic: returns outcomes, never asserts. */
export async function runConformance<T>(options: RunConformanceOptions<T>): Promise<ConformanceRun> {
  const cases = options.cases ?? conformanceCases;
  const backend = await options.create();
  const outcomes: CaseOutcome[] = [];
  try {
    for (const [index, testCase] of cases.entries()) {
      const outcome = await checkCase(backend, testCase, { keepOutputs: options.keepOutputs ?? false });
      outcomes.push(outcome);
      options.onCase?.(outcome, index, cases.length);
    }
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
