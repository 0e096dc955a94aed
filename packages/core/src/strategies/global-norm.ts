import type { TensorSummary } from '../backend.js';
import {
  decideScale,
  normFromPowerSum,
  powerSumNeedsRescale,
  pytorchTotalNorm,
  rescaleExponent,
  type ScaleDecision,
} from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import { combinedBounds } from '../math/sum-bounds.js';
import type { ClipReport } from '../report.js';
import { type SliceLayout, wholeTensorLayout } from '../slice-layout.js';
import type { ResolvedGlobalNormSpec } from '../spec.js';
import { certifiedGlobalDecision, sameDecision } from './certified-decisions.js';
import { isKernelOrder, scaleTensors, summarize, wholeLayouts } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { scaleRequest } from './scale-request.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

/** Clip by the norm of all tensors together. */
export function* runGlobalNorm<T>(
  spec: ResolvedGlobalNormSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = wholeLayouts(context);
  const screened = yield* screenedSummaries(spec, tensors, context, spec.p, layouts);
  if (screened.done) return screened.output;
  const input = screened.tensors;
  const { summaries, exponent } = yield* inRange(context, input, screened.summaries, spec.p, layouts);
  // PyTorch decides on the norm of its float32 per-tensor norms; the report keeps the exact norm.
  const perTensor = spec.compat === 'pytorch' && input.length > 1;
  const { decision, sums, exact } = yield* certifiedGlobalDecision(context, input, summaries, {
    p: spec.p,
    layouts,
    perTensor,
    decide: (powerSums) => globalDecision(spec, powerSums, exponent),
    same: sameDecision,
  });
  // The report's norm: exact after a fallback over one total, else the backend's estimate.
  const norm =
    exact && !perTensor
      ? normFromPowerSum(sums[0] as number, spec.p, exponent)
      : normOfSummaries(summaries, spec.p, exponent);
  const outputs = yield* applyDecision(context, input, decision);
  return {
    tensors: outputs,
    report: {
      ...globalReport(norm, decision, screened.nonFiniteCount),
      ...perTensorNormsOf(
        context,
        summaries,
        spec.p,
        summaries.map(() => exponent),
      ),
    },
  };
}

/**
 * The decision for power sums `sums` (pre-scaled by `2^-exponent·p`): one total, or under compat
 * "pytorch" with several tensors, one sum per tensor.
 */
export function globalDecision(
  spec: ResolvedGlobalNormSpec,
  sums: readonly number[],
  exponent: number,
): ScaleDecision {
  const norm =
    sums.length === 1
      ? normFromPowerSum(sums[0] as number, spec.p, exponent)
      : pytorchTotalNorm(
          sums.map((sum) => normFromPowerSum(sum, spec.p, exponent)),
          spec.p,
        );
  return decideScale(norm, spec.maxNorm, spec.compat, 'global');
}

/** The report of a global decision taken on norm `norm`. */
export function globalReport(norm: number, decision: ScaleDecision, nonFiniteCount: number): ClipReport {
  return {
    kind: 'globalNorm',
    normBefore: norm,
    normAfter: decision.apply ? norm * decision.scale : norm,
    scale: decision.scale,
    clipped: decision.apply,
    nonFiniteCount,
    skipped: false,
  };
}

/** Every tensor scaled by one decision (returned as they are when it is the identity). */
export function* applyDecision<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  decision: ScaleDecision,
): Steps<T[]> {
  if (!decision.apply) return [...tensors];
  const requests = tensors.map((_, i) =>
    scaleRequest(wholeTensorLayout(context.shapes[i] as readonly number[]), [decision]),
  );
  return yield* scaleTensors(context, tensors, requests);
}

/**
 * For orders other than 1, 2 and ∞, a power sum that lost its float64 range (overflow, or below
 * the normal range) is recomputed with every value pre-scaled by a power of two (exact). Sums of
 * |g| and g² of float32 values never leave the range.
 */
function* inRange<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  summaries: readonly TensorSummary[],
  p: number,
  layouts: readonly SliceLayout[],
): Steps<{ summaries: readonly TensorSummary[]; exponent: number }> {
  if (isKernelOrder(p)) return { summaries, exponent: 0 };
  let maxAbs = 0;
  for (const summary of summaries) for (const max of summary.maxAbs) maxAbs = Math.max(maxAbs, max);
  if (!powerSumNeedsRescale(combinedBounds(summaries).estimate, maxAbs, p)) return { summaries, exponent: 0 };
  const exponent = rescaleExponent(maxAbs);
  return { summaries: yield* summarize(context, tensors, p, layouts, exponent), exponent };
}
