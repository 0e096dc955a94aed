/**
 * Skip on spike (Megatron-LM's `grad_norm_skip_threshold`): when the global norm exceeds `maxNorm`
 * the whole update is skipped — the gradients come back unchanged with `report.skipped = true`, the
 * signal optimizer wrappers and `chain` act on. The comparison `n > maxNorm` is certified like
 * every scale decision, so every backend skips the same steps. A NaN or infinite norm (possible
 * under `nonFinite: 'propagate'`) counts as a spike: skipping is the only safe update.
 */

import { normFromPowerSum } from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import type { ResolvedSkipOnSpikeSpec } from '../spec.js';
import { certifiedGlobalDecision } from './certified-decisions.js';
import { wholeLayouts } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

export function* runSkipOnSpike<T>(
  spec: ResolvedSkipOnSpikeSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = wholeLayouts(context);
  const screened = yield* screenedSummaries(spec, tensors, context, spec.p, layouts);
  if (screened.done) return screened.output;
  const { decision: spike } = yield* certifiedGlobalDecision(context, screened.tensors, screened.summaries, {
    p: spec.p,
    layouts,
    perTensor: false,
    decide: (sums) => !(normFromPowerSum(sums[0] as number, spec.p, 0) <= spec.maxNorm),
    same: (a, b) => a === b,
  });
  const norm = normOfSummaries(screened.summaries, spec.p);
  return {
    // Skipped: the input itself (not the `zero` policy's copies), as every skip hands back.
    tensors: spike ? [...tensors] : [...screened.tensors],
    report: {
      kind: 'skipOnSpike',
      normBefore: norm,
      normAfter: norm,
      scale: 1,
      clipped: !spike && screened.tensors !== tensors,
      nonFiniteCount: screened.nonFiniteCount,
      skipped: spike,
      threshold: spec.maxNorm,
      ...perTensorNormsOf(context, screened.summaries, spec.p),
    },
  };
}
