/** The parity page's run: the conformance kit on every live backend, case by case. */
import {
  type CaseOutcome,
  conformanceCases,
  runConformance,
  sequenceCases,
} from '@gradclip/core/conformance';
import { LIVE_BACKENDS } from './backends.js';

export interface Cell {
  pass: number;
  fail: number;
  skip: number;
  expected: number;
  total: number;
  maxUlp: number;
}

/** Columns: the single cases by strategy, the other kinds' cases, and the multi-step sequences. */
export const STRATEGIES = ['value', 'norm', 'globalNorm', 'chain', 'kinds', 'sequences'] as const;

const SEQUENCE_IDS = new Set(sequenceCases.map((testCase) => testCase.id));

export function strategyOf(caseId: string): string {
  if (SEQUENCE_IDS.has(caseId)) return 'sequences';
  return caseId.split('/')[0] ?? caseId;
}

/**
 * The cases the page runs: every case of the kit, except — unless asked (`?large=1`) — the three
 * whose tensors hold more than 2^24 elements (about 20 s of a tab's time; CI runs them in Node).
 */
export function pageCases(includeLarge: boolean) {
  return conformanceCases.filter((c) => includeLarge || !(c.requires ?? []).includes('largeTensors'));
}

export function emptyMatrix(includeLarge: boolean): Record<string, Record<string, Cell>> {
  const matrix: Record<string, Record<string, Cell>> = {};
  for (const backend of LIVE_BACKENDS) {
    matrix[backend.id] = {};
    for (const strategy of STRATEGIES) {
      const total = [...pageCases(includeLarge), ...sequenceCases].filter(
        (c) => strategyOf(c.id) === strategy,
      ).length;
      (matrix[backend.id] as Record<string, Cell>)[strategy] = {
        pass: 0,
        fail: 0,
        skip: 0,
        expected: 0,
        total,
        maxUlp: 0,
      };
    }
  }
  return matrix;
}

/** Runs every backend in turn; `onCase` after each case. Returns the number of differences. */
export async function runParity(
  includeLarge: boolean,
  onCase: (backendId: string, outcome: CaseOutcome) => void,
  onBackendError: (backendId: string, message: string) => void,
): Promise<number> {
  let differences = 0;
  for (const backend of LIVE_BACKENDS) {
    const why = backend.unavailable();
    if (why !== null) {
      onBackendError(backend.id, why);
      continue;
    }
    try {
      const run = await runConformance({
        create: backend.create,
        cases: pageCases(includeLarge),
        sequenceCases,
        onCase: (outcome) => {
          if (outcome.status === 'fail' || outcome.status === 'unexpected-pass') differences++;
          onCase(backend.id, outcome);
        },
      });
      if (!run.passed && differences === 0) differences++;
    } catch (error) {
      differences++;
      onBackendError(backend.id, error instanceof Error ? error.message : String(error));
    }
    // Let the page paint between backends.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return differences;
}
