/**
 * Norms that feed state, certified like every scale decision. A stateful strategy (AutoClip's
 * history, ZClip's EMA, AdaGC's per-tensor EMA) carries what it reads from one step into every
 * later step, so a value that differed by one bit on one backend would change every threshold
 * after it. The value state reads is therefore the **float32-rounded** norm `fround(n)`, certified
 * from the backend's error bounds exactly as a scale is: `fround(√S)` evaluated at both ends of the
 * interval the bounds give; when the ends disagree, core computes the exact sum on the host. So the
 * value is `fround` of the exact norm on every backend, and everything the strategy then computes
 * from it is deterministic float64 arithmetic in core that never touches a backend.
 */
import type { TensorSummary } from '../backend.js';
import { normFromPowerSum } from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import { type SliceLayout, wholeTensorLayout } from '../slice-layout.js';
import { certifiedGlobalDecision, certifiedSliceDecisions } from './certified-decisions.js';
import type { StrategyContext } from './strategy-context.js';

export interface CertifiedNorms {
  /** `fround(‖all tensors‖_p)`: the exact global norm rounded once to float32. */
  readonly global: number;
  /** Per tensor, `fround(‖g_i‖_p)`; only when asked for. */
  readonly perTensor?: readonly number[];
}

/**
 * The certified float32 norms of `tensors` from their whole-tensor `summaries`, for p = 1, 2 or ∞
 * (the orders backends sum, so no power-of-two pre-scaling is involved).
 */
export function* certifiedFloat32Norms<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  summaries: readonly TensorSummary[],
  options: { readonly p: 1 | 2 | typeof Number.POSITIVE_INFINITY; readonly perTensor: boolean },
): Steps<CertifiedNorms> {
  const { p } = options;
  const rounded = (sum: number) => Math.fround(normFromPowerSum(sum, p, 0));
  const layouts: SliceLayout[] = context.shapes.map((shape) => wholeTensorLayout(shape));
  const { decision: global } = yield* certifiedGlobalDecision(context, tensors, summaries, {
    p,
    layouts,
    perTensor: false,
    decide: (sums) => rounded(sums[0] as number),
    same: Object.is,
  });
  if (!options.perTensor) return { global };
  const perTensor: number[] = [];
  for (let i = 0; i < tensors.length; i++) {
    const { decisions } = yield* certifiedSliceDecisions(
      context,
      tensors[i] as T,
      summaries[i] as TensorSummary,
      { p, layout: layouts[i] as SliceLayout, decide: rounded, same: Object.is },
    );
    perTensor.push(decisions[0] as number);
  }
  return { global, perTensor };
}

/** True when a certified float32 norm may enter state (NaN and ±∞ never do). */
export function isStateNorm(norm: number): boolean {
  return Number.isFinite(norm);
}
