/**
 * Optax `clip_by_block_rms(threshold)`: per tensor `u / max(1, rms(u) / threshold)`, where
 * `rms(u) = √(mean(u²)) = ‖u‖₂ / √size`. Since rms(u) > threshold exactly when ‖u‖₂ > threshold · √size,
 * this is the per-tensor norm clip at `threshold · √size` (one float64 rounding), applied by the
 * exact rule: unchanged bit for bit at or below it, else `u · fround(threshold · √size / ‖u‖₂)`.
 * Optax divides by the ratio instead (`u / (rms / threshold)`), which differs in the last bit.
 */
import type { Steps } from '../kernel-steps.js';
import { elementCount } from '../slice-layout.js';
import type { ResolvedBlockRmsSpec } from '../spec.js';
import { wholeLayouts } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';
import { clipEachAt } from './threshold-clip.js';

export function* runBlockRms<T>(
  spec: ResolvedBlockRmsSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const screened = yield* screenedSummaries(spec, tensors, context, 2, wholeLayouts(context));
  if (screened.done) return screened.output;
  const thresholds = context.shapes.map((shape) =>
    spec.threshold === Number.POSITIVE_INFINITY
      ? spec.threshold
      : spec.threshold * Math.sqrt(elementCount(shape)),
  );
  const clip = yield* clipEachAt(context, screened.tensors, screened.summaries, thresholds);
  let smallest = 1;
  for (const decision of clip.decisions)
    if (decision.scale < smallest || Number.isNaN(decision.scale)) smallest = decision.scale;
  let after = 0;
  for (const norm of clip.normsAfter) after += norm * norm;
  return {
    tensors: clip.tensors,
    report: {
      kind: 'blockRms',
      normBefore: normOfSummaries(screened.summaries, 2),
      normAfter: Math.sqrt(after),
      scale: smallest,
      clipped: clip.decisions.some((decision) => decision.apply),
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      perTensorThresholds: thresholds,
      ...perTensorNormsOf(context, screened.summaries, 2),
    },
  };
}
