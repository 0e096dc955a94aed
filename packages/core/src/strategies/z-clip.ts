/**
 * ZClip (Kumar, Owen, Roy Chowdhury, Güra 2025; reference `bluorion-com/ZClip`, `zclip/zclip.py`).
 * Order of operations, as in the reference's `step`:
 * 1. Warm-up (no statistics yet): the norm joins a buffer and the hard cap `maxNorm` is the
 *    threshold; when the buffer holds `warmup` norms, mean and population variance are taken from
 *    it and the buffer is emptied.
 * 2. Afterwards, with σ = √variance: in `zscore` mode z = (n − μ)/(σ + eps), and z > `z` is a spike
 *    whose clip value is `(μ + z_t·σ / (z / z_t)) · clipFactor` (`adaptiveScaling`) or μ (`mean`);
 *    in `percentile` mode n > μ + z_t·σ is a spike clipped to μ + z_t·σ.
 * 3. The threshold is min(clip value, maxNorm) on a spike, maxNorm otherwise.
 * 4. Unless `skipStatisticsOnSpike` and a spike: μ ← αμ + (1−α)x, then σ² ← ασ² + (1−α)(x − μ)²
 *    with the new μ, where x is the clip value on a spike and the norm otherwise.
 * Where the reference's Python leaves the arithmetic open, gradclip fixes it: the warm-up mean
 * and variance use correctly rounded sums (`math.fsum`), σ is a correctly rounded `√`, squares are
 * products. The clip itself is gradclip's exact rule (no `+ 1e-6` in the coefficient).
 */
import type { Steps } from '../kernel-steps.js';
import { ExactSum } from '../math/exact-sum.js';
import type { ResolvedZClipSpec } from '../spec.js';
import { isStateNorm } from './certified-norms.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';
import { clipAtStateThreshold } from './threshold-clip.js';

/** ZClip's state. `mean`/`variance` are null until the warm-up buffer has filled. */
export interface ZClipMemory {
  /** Calls that ran (those a `nonFinite` policy ended excepted), whether or not their norm entered. */
  readonly step: number;
  readonly warmupNorms: readonly number[];
  readonly mean: number | null;
  readonly variance: number | null;
}

export const FRESH_Z_CLIP: ZClipMemory = { step: 0, warmupNorms: [], mean: null, variance: null };

export interface ZClipStep {
  readonly threshold: number;
  /** The z-score test fired (never during warm-up). */
  readonly spike: boolean;
  readonly next: ZClipMemory;
}

export function runZClip<T>(
  spec: ResolvedZClipSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  return clipAtStateThreshold(spec, tensors, context, FRESH_Z_CLIP, (memory, norm) =>
    zClipStep(spec, memory, norm),
  );
}

/** One step of ZClip's statistics for the certified float32 norm `norm`. Pure. */
export function zClipStep(spec: ResolvedZClipSpec, memory: ZClipMemory, norm: number): ZClipStep {
  const enters = isStateNorm(norm);
  if (memory.mean === null || memory.variance === null) {
    if (!enters) return { threshold: spec.maxNorm, spike: false, next: { ...memory, step: memory.step + 1 } };
    const warmupNorms = [...memory.warmupNorms, norm];
    const next: ZClipMemory =
      warmupNorms.length >= spec.warmup
        ? { step: memory.step + 1, warmupNorms: [], ...initialStatistics(warmupNorms) }
        : { step: memory.step + 1, warmupNorms, mean: null, variance: null };
    return { threshold: spec.maxNorm, spike: false, next };
  }
  const { mean, variance } = memory;
  const deviation = Math.sqrt(variance);
  let clipValue: number | undefined;
  if (spec.mode === 'percentile') {
    const bound = mean + spec.z * deviation;
    if (norm > bound) clipValue = bound;
  } else {
    const score = (norm - mean) / (deviation + spec.eps);
    if (score > spec.z) {
      clipValue =
        spec.clipOption === 'mean'
          ? mean
          : (mean + (spec.z * deviation) / (score / spec.z)) * spec.clipFactor;
    }
  }
  const spike = clipValue !== undefined;
  const threshold = clipValue === undefined ? spec.maxNorm : Math.min(clipValue, spec.maxNorm);
  if (!enters || (spike && spec.skipStatisticsOnSpike)) {
    return { threshold, spike, next: { ...memory, step: memory.step + 1 } };
  }
  const x = clipValue ?? norm;
  const nextMean = spec.alpha * mean + (1 - spec.alpha) * x;
  const difference = x - nextMean;
  const nextVariance = spec.alpha * variance + (1 - spec.alpha) * (difference * difference);
  return {
    threshold,
    spike,
    next: { step: memory.step + 1, warmupNorms: [], mean: nextMean, variance: nextVariance },
  };
}

/** Mean and population variance of the warm-up norms, each from a correctly rounded sum. */
function initialStatistics(norms: readonly number[]): { mean: number; variance: number } {
  const total = new ExactSum();
  total.addAll(norms);
  const mean = total.round() / norms.length;
  const squares = new ExactSum();
  for (const norm of norms) {
    const difference = norm - mean;
    squares.add(difference * difference);
  }
  return { mean, variance: squares.round() / norms.length };
}
