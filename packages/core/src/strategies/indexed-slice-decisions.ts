/**
 * Per-slice decisions whose rule differs from slice to slice (AGC: each unit has its own
 * threshold from its parameter norm). Certified like `certifiedSliceDecisions`: each slice's
 * decision from its sum's bounds when both ends agree, else from the exact sum computed on the
 * host. `decide(sum, slice)` must be monotone in `sum`.
 */
import type { TensorSummary } from '../backend.js';
import type { Steps } from '../kernel-steps.js';
import { certify, sliceBounds } from '../math/sum-bounds.js';
import { exactSummary } from '../reference/reference-kernels.js';
import type { SliceLayout } from '../slice-layout.js';
import { hostValues } from './kernel-calls.js';
import type { StrategyContext } from './strategy-context.js';

export function* certifiedIndexedSliceDecisions<T, D>(
  context: StrategyContext<T>,
  tensor: T,
  summary: TensorSummary,
  options: {
    readonly layout: SliceLayout;
    readonly decide: (sum: number, slice: number) => D;
    readonly same: (a: D, b: D) => boolean;
  },
): Steps<{ decisions: D[]; sums: number[] }> {
  const { decide, same, layout } = options;
  const sums = Array.from(summary.sums);
  const decisions: (D | undefined)[] = [];
  const uncertain: number[] = [];
  for (let slice = 0; slice < sums.length; slice++) {
    const decision = certify([sliceBounds(summary, slice)], ([sum]) => decide(sum as number, slice), same);
    decisions.push(decision);
    if (decision === undefined) uncertain.push(slice);
  }
  context.decisions.certified += sums.length - uncertain.length;
  if (uncertain.length > 0) {
    context.decisions.exactFallback += uncertain.length;
    const [values] = yield* hostValues(context, [tensor]);
    const exact = exactSummary(values as Float32Array, layout, 2).sums;
    for (const slice of uncertain) {
      sums[slice] = exact[slice]?.round() as number;
      decisions[slice] = decide(sums[slice] as number, slice);
    }
  }
  return { decisions: decisions as D[], sums };
}
