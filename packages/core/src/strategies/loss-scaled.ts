/**
 * Loss-scale aware clipping: unscale by a power-of-two loss scale L and clip by the unscaled global
 * norm, in one kernel pass. The unscaled norm is `N / L` (exact: L is a power of two), the norm of
 * the unrounded `g / L`; the decision is the exact rule on it,
 * certified from the backend's bounds, and every element becomes `fround(fround(g / L) · s)` — the
 * scale kernel's `divideThenMultiply` order — which is bit for bit what unscaling then clipping
 * gives whenever no `g / L` is a float32 subnormal (unscaling first would round those; the
 * README states the exception). Not clipped: `fround(g / L)` (`multiplyThenDivide` by 1 then L).
 */
import { decideScale, normFromPowerSum, type ScaleDecision } from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import { wholeTensorLayout } from '../slice-layout.js';
import type { ResolvedLossScaledSpec } from '../spec.js';
import { certifiedGlobalDecision, sameDecision } from './certified-decisions.js';
import { scaleTensors, wholeLayouts } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

export function* runLossScaled<T>(
  spec: ResolvedLossScaledSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = wholeLayouts(context);
  const screened = yield* screenedSummaries(spec, tensors, context, spec.p, layouts);
  if (screened.done) return screened.output;
  const { lossScale } = spec;
  const { decision } = yield* certifiedGlobalDecision(context, screened.tensors, screened.summaries, {
    p: spec.p,
    layouts,
    perTensor: false,
    decide: (sums): ScaleDecision =>
      decideScale(
        normFromPowerSum(sums[0] as number, spec.p, 0) / lossScale,
        spec.maxNorm,
        'exact',
        'global',
      ),
    same: sameDecision,
  });
  const divisor = Math.fround(lossScale);
  const requests = screened.tensors.map((_, i) => {
    const layout = wholeTensorLayout(context.shapes[i] as readonly number[]);
    return decision.apply
      ? {
          layout,
          order: 'divideThenMultiply' as const,
          multipliers: new Float32Array([decision.multiplier]),
          divisors: new Float32Array([divisor]),
        }
      : {
          layout,
          order: 'multiplyThenDivide' as const,
          multipliers: new Float32Array([1]),
          divisors: new Float32Array([divisor]),
        };
  });
  const outputs =
    lossScale === 1 && !decision.apply
      ? [...screened.tensors]
      : yield* scaleTensors(context, screened.tensors, requests);
  const norm = normOfSummaries(screened.summaries, spec.p) / lossScale;
  return {
    tensors: outputs,
    report: {
      kind: 'lossScaled',
      normBefore: norm,
      normAfter: decision.apply ? norm * decision.scale : norm,
      scale: decision.scale,
      clipped: decision.apply || lossScale !== 1,
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      threshold: spec.maxNorm,
      ...perTensorNormsOf(context, screened.summaries, spec.p),
    },
  };
}
