/**
 * AutoClip (Seetharaman, Wichern, Pardo, Le Roux 2020, Algorithm 1; reference `pseeth/autoclip`):
 * the global L2 norm joins the history, the threshold is the history's `percentile`-th percentile,
 * then the gradients are clipped by their global norm at that threshold. As in the reference code
 * the norm is appended **before** the percentile is taken, so the current step counts in its own
 * threshold (a first step is never clipped: the percentile of one value is that value).
 */
import type { Steps } from '../kernel-steps.js';
import type { ResolvedAutoClipSpec } from '../spec.js';
import { isStateNorm } from './certified-norms.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';
import { clipAtStateThreshold } from './threshold-clip.js';

/** AutoClip's state: every norm recorded (the last `window`), oldest first, and the same sorted. */
export interface AutoClipMemory {
  /** Calls that ran (those a `nonFinite` policy ended excepted), whether or not their norm entered. */
  readonly step: number;
  readonly history: readonly number[];
  readonly sorted: readonly number[];
}

export const FRESH_AUTO_CLIP: AutoClipMemory = { step: 0, history: [], sorted: [] };

export function runAutoClip<T>(
  spec: ResolvedAutoClipSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  return clipAtStateThreshold(spec, tensors, context, FRESH_AUTO_CLIP, (memory, norm) => {
    // A norm that is not finite (NaN or ±∞ under "propagate", or above the float32 range) never
    // enters the history: one such value would poison every later percentile.
    const next = isStateNorm(norm)
      ? recordNorm(memory, norm, spec.window)
      : { ...memory, step: memory.step + 1 };
    const threshold =
      next.sorted.length === 0 ? Number.POSITIVE_INFINITY : linearPercentile(next.sorted, spec.percentile);
    return { threshold, next };
  });
}

/** The history after recording `norm`: appended, the oldest dropped beyond `window`. */
export function recordNorm(memory: AutoClipMemory, norm: number, window: number): AutoClipMemory {
  const history = [...memory.history, norm];
  const sorted = [...memory.sorted];
  sorted.splice(insertionIndex(sorted, norm), 0, norm);
  if (history.length > window) {
    const dropped = history.shift() as number;
    sorted.splice(insertionIndex(sorted, dropped) - 1, 1);
  }
  return { step: memory.step + 1, history, sorted };
}

/** The first index whose value is greater than `value` (after every equal value). */
function insertionIndex(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * numpy's `percentile(values, q)` with its default "linear" method, operation for operation
 * (`(n − 1)·q/100`, then `_lerp`, which interpolates from the nearer end), so that the threshold
 * has the bits the reference code's `np.percentile` gives. `sorted` is ascending, non-empty.
 */
export function linearPercentile(sorted: readonly number[], percentile: number): number {
  const n = sorted.length;
  const position = (n - 1) * (percentile / 100);
  if (position >= n - 1) return sorted[n - 1] as number;
  const below = Math.floor(position);
  const a = sorted[below] as number;
  const b = sorted[below + 1] as number;
  const t = position - below;
  const difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}
