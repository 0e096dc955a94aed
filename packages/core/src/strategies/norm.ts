import type { TensorSummary } from '../backend.js';
import {
  decideScale,
  normFromPowerSum,
  powerSumNeedsRescale,
  rescaleExponent,
  type ScaleDecision,
} from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import { type SliceLayout, sliceLayout } from '../slice-layout.js';
import type { ResolvedNormSpec } from '../spec.js';
import { certifiedSliceDecisions, sameDecision } from './certified-decisions.js';
import { isKernelOrder, summarize } from './kernel-calls.js';
import { normOfSummaries } from './report-norms.js';
import { scaleWhereApplied } from './scale-request.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

/** Clip each tensor (or each slice, with `axes`) by its own norm. */
export function* runNorm<T>(
  spec: ResolvedNormSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = context.shapes.map((shape, i) => sliceLayout(shape, spec.axes, context.names[i] as string));
  const screened = yield* screenedSummaries(spec, tensors, context, spec.p, layouts);
  if (screened.done) return screened.output;
  const input = screened.tensors;
  const summaries = [...screened.summaries];
  const exponents = summaries.map(() => 0);
  const tensorDecisions: (readonly ScaleDecision[])[] = [];
  let smallestScale = 1;
  const sumsAfter: TensorSummary[] = [];
  for (let i = 0; i < summaries.length; i++) {
    const layout = layouts[i] as SliceLayout;
    const exponent = yield* sliceExponent(context, input, summaries, i, spec.p, layout);
    exponents[i] = exponent;
    const summary = summaries[i] as TensorSummary;
    const decide = (sum: number): ScaleDecision =>
      decideScale(normFromPowerSum(sum, spec.p, exponent), spec.maxNorm, spec.compat, 'perTensor');
    const { decisions, sums } = yield* certifiedSliceDecisions(context, input[i] as T, summary, {
      p: spec.p,
      layout,
      decide,
      same: sameDecision,
    });
    const after = new Float64Array(sums.length);
    decisions.forEach((decision, slice) => {
      if (decision.scale < smallestScale || Number.isNaN(decision.scale)) smallestScale = decision.scale;
      const norm = normFromPowerSum(sums[slice] as number, spec.p, exponent);
      const normAfter = decision.apply ? norm * decision.scale : norm;
      after[slice] = spec.p === Number.POSITIVE_INFINITY ? normAfter : normAfter ** spec.p;
    });
    const { sumErrors: _bounds, ...exactSummary } = summary;
    sumsAfter.push({ ...exactSummary, sums: after, maxAbs: after.map(Math.abs) });
    tensorDecisions.push(decisions);
  }
  const outputs = yield* scaleWhereApplied(context, input, layouts, tensorDecisions);
  const perTensor = summaries.map((summary, i) => normOfSummaries([summary], spec.p, exponents[i]));
  return {
    tensors: outputs,
    report: {
      kind: 'norm',
      normBefore: exponents.every((e) => e === 0)
        ? normOfSummaries(summaries, spec.p)
        : combinedNorm(perTensor, spec.p),
      normAfter: normOfSummaries(sumsAfter, spec.p),
      scale: smallestScale,
      clipped: tensorDecisions.some((decisions) => decisions.some((decision) => decision.apply)),
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      ...(context.perTensorNorms ? { perTensorNorms: perTensor } : {}),
    },
  };
}

/**
 * For orders other than 1, 2 and ∞: a tensor whose float64 power sums lost their range is
 * summarised again, pre-scaled by a power of two (the summary in `summaries` is replaced).
 */
function* sliceExponent<T>(
  context: StrategyContext<T>,
  input: readonly T[],
  summaries: TensorSummary[],
  i: number,
  p: number,
  layout: SliceLayout,
): Steps<number> {
  const summary = summaries[i] as TensorSummary;
  if (isKernelOrder(p) || summary.nonFiniteCount > 0) return 0;
  let maxAbs = 0;
  let rescale = false;
  summary.sums.forEach((sum, slice) => {
    const sliceMax = summary.maxAbs[slice] as number;
    maxAbs = Math.max(maxAbs, sliceMax);
    if (powerSumNeedsRescale(sum, sliceMax, p)) rescale = true;
  });
  if (!rescale) return 0;
  const exponent = rescaleExponent(maxAbs);
  const [again] = yield* summarize(context, [input[i] as T], p, [layout], exponent);
  summaries[i] = again as TensorSummary;
  return exponent;
}

/** The p-norm of per-tensor norms: ‖(n_1, …, n_k)‖_p, the norm of all tensors together. */
function combinedNorm(norms: readonly number[], p: number): number {
  if (norms.length === 0) return 0;
  if (norms.length === 1) return norms[0] as number;
  let largest = 0;
  for (const norm of norms)
    largest = Number.isNaN(norm) || Number.isNaN(largest) ? Number.NaN : Math.max(largest, norm);
  if (p === Number.POSITIVE_INFINITY || !(largest > 0) || !Number.isFinite(largest)) return largest;
  // Normalised by the largest so that the powers stay in range.
  let sum = 0;
  for (const norm of norms) sum += (norm / largest) ** p;
  return largest * sum ** (1 / p);
}
