/**
 * Norms for the report, from the summaries' sums. These are the backends' estimates (exact when the
 * backend's sums are): the report's float64 norms are within the backend's stated error bound of
 * the exact norm. Decisions never read them; they come from `certified-decisions.ts`.
 */
import type { TensorSummary } from '../backend.js';
import { normFromPowerSum } from '../clip-math.js';
import { combinedBounds } from '../math/sum-bounds.js';
import type { ClipReport } from '../report.js';
import { maxOfSums } from './certified-decisions.js';
import type { StrategyContext } from './strategy-context.js';

/** The p-norm over every slice of every summary (sums pre-scaled by `2^-exponent·p`). */
export function normOfSummaries(summaries: readonly TensorSummary[], p: number, exponent = 0): number {
  if (summaries.length === 0) return 0;
  if (p === Number.POSITIVE_INFINITY) return maxOfSums(summaries);
  return normFromPowerSum(combinedBounds(summaries).estimate, p, exponent);
}

/** `perTensorNorms` for the report, when the call asked for them. */
export function perTensorNormsOf<T>(
  context: StrategyContext<T>,
  summaries: readonly TensorSummary[],
  p: number,
  exponents?: readonly number[],
): Pick<ClipReport, 'perTensorNorms'> {
  if (!context.perTensorNorms) return {};
  return {
    perTensorNorms: summaries.map((summary, i) => normOfSummaries([summary], p, exponents?.[i] ?? 0)),
  };
}
