/**
 * Every scale decision, certified: taken from the backends' sums when their error bounds cannot
 * change it, otherwise from the exact sums, computed on the host from the tensors' values. So no
 * backend's arithmetic can make a decision differ from the oracle's.
 */
import type { TensorSummary } from '../backend.js';
import type { ScaleDecision } from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import { ExactSum } from '../math/exact-sum.js';
import { certify, combinedBounds, type SumBounds, sliceBounds } from '../math/sum-bounds.js';
import { exactSummary } from '../reference/reference-kernels.js';
import type { SliceLayout } from '../slice-layout.js';
import { hostValues } from './kernel-calls.js';
import type { StrategyContext } from './strategy-context.js';

/** Decisions compare by every field that reaches the tensors. */
export function sameDecision(a: ScaleDecision, b: ScaleDecision): boolean {
  if (!a.apply || !b.apply) return a.apply === b.apply;
  return a.order === b.order && Object.is(a.multiplier, b.multiplier) && Object.is(a.divisor, b.divisor);
}

/** Orders whose sums carry error bounds; ∞ (a max) is exact, other orders are host-defined. */
function isBoundedOrder(p: number): p is 1 | 2 {
  return p === 1 || p === 2;
}

export interface GlobalSums<D> {
  readonly decision: D;
  /** The power sums the decision was taken from: exact after a fallback, else the estimates. */
  readonly sums: readonly number[];
  readonly exact: boolean;
}

/**
 * A decision over all tensors. `perTensor`: `decide` reads each tensor's sum (PyTorch's norm of
 * per-tensor norms); otherwise it reads one sum over everything.
 */
export function* certifiedGlobalDecision<T, D>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  summaries: readonly TensorSummary[],
  options: {
    readonly p: number;
    readonly layouts: readonly SliceLayout[];
    readonly perTensor: boolean;
    readonly decide: (sums: readonly number[]) => D;
    readonly same: (a: D, b: D) => boolean;
  },
): Steps<GlobalSums<D>> {
  const { p, perTensor, decide, same } = options;
  const bounds: SumBounds[] = perTensor
    ? summaries.map((summary) => sliceBounds(summary, 0))
    : [p === Number.POSITIVE_INFINITY ? exactBounds(maxOfSums(summaries)) : combinedBounds(summaries)];
  const estimates = bounds.map((bound) => bound.estimate);
  if (!isBoundedOrder(p) || tensors.length === 0) {
    return { decision: decide(estimates), sums: estimates, exact: true };
  }
  const certified = certify(bounds, decide, same);
  if (certified !== undefined) {
    context.decisions.certified++;
    return { decision: certified, sums: estimates, exact: false };
  }
  context.decisions.exactFallback++;
  const exact = yield* exactSliceSums(context, tensors, p, options.layouts);
  let sums: number[];
  if (perTensor) {
    // A tensor holding NaN or ±∞ keeps its (exact) non-finite sum; the expansions skip those values.
    sums = exact.map((slices, i) => {
      const estimate = estimates[i] as number;
      return Number.isFinite(estimate) ? (slices[0] as ExactSum).round() : estimate;
    });
  } else {
    const total = new ExactSum();
    for (const slices of exact) for (const slice of slices) total.addAll(slice.parts);
    sums = [total.round()];
  }
  return { decision: decide(sums), sums, exact: true };
}

/**
 * Per slice of one tensor, the decision certified from its bounds; when any slice cannot be
 * certified, the tensor's exact sums decide those slices. Returns the decisions and the sums used.
 */
export function* certifiedSliceDecisions<T, D>(
  context: StrategyContext<T>,
  tensor: T,
  summary: TensorSummary,
  options: {
    readonly p: number;
    readonly layout: SliceLayout;
    readonly decide: (sum: number) => D;
    readonly same: (a: D, b: D) => boolean;
  },
): Steps<{ decisions: D[]; sums: number[] }> {
  const { p, decide, same } = options;
  const slices = summary.sums.length;
  const sums = Array.from(summary.sums);
  if (!isBoundedOrder(p)) return { decisions: sums.map(decide), sums };
  const decisions: (D | undefined)[] = [];
  const uncertain: number[] = [];
  for (let slice = 0; slice < slices; slice++) {
    const decision = certify([sliceBounds(summary, slice)], ([sum]) => decide(sum as number), same);
    decisions.push(decision);
    if (decision === undefined) uncertain.push(slice);
  }
  context.decisions.certified += slices - uncertain.length;
  if (uncertain.length > 0) {
    context.decisions.exactFallback += uncertain.length;
    const [exact] = yield* exactSliceSums(context, [tensor], p, [options.layout]);
    for (const slice of uncertain) {
      sums[slice] = ((exact as ExactSum[])[slice] as ExactSum).round();
      decisions[slice] = decide(sums[slice] as number);
    }
  }
  return { decisions: decisions as D[], sums };
}

function exactBounds(sum: number): SumBounds {
  return { estimate: sum, low: sum, high: sum };
}

/** The max over every slice's sum (p = ∞ sums are maxima), NaN-propagating. */
export function maxOfSums(summaries: readonly TensorSummary[]): number {
  let max = 0;
  for (const summary of summaries)
    for (const sum of summary.sums)
      max = Number.isNaN(sum) || Number.isNaN(max) ? Number.NaN : Math.max(max, sum);
  return max;
}

/** Per tensor, per slice, the exact power sum (of the finite elements) from the host values. */
export function* exactSliceSums<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  p: 1 | 2,
  layouts: readonly SliceLayout[],
): Steps<ExactSum[][]> {
  const values = yield* hostValues(context, tensors);
  return values.map((host, i) => exactSummary(host, layouts[i] as SliceLayout, p).sums);
}
