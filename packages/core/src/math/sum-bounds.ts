/**
 * Certified decisions. A backend's power sum may be approximate, as long as it states a rigorous
 * bound on its error: the exact sum then lies in an interval, and so does its correctly rounded
 * float64 value `S` (rounding to nearest is monotone). Every decision core takes from `S` — the
 * comparison with the threshold, the float32 scale, each compat formula's rounded quantities — is a
 * monotone function of `S`, so when it comes out the same at both ends of the interval it is the
 * same for every value in between, the exact one included: the decision is certified. When the
 * ends disagree, core computes the exact sum instead.
 */
import type { TensorSummary } from '../backend.js';
import { ExactSum, ulpBound } from './exact-sum.js';

/** Where the correctly rounded power sum `S` lies: `low ≤ S ≤ high`; `estimate` is the backend's sum. */
export interface SumBounds {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/** The bounds of one slice's sum. A sum stated exact (no `sumErrors`) or non-finite is its own bound. */
export function sliceBounds(summary: TensorSummary, slice: number): SumBounds {
  const estimate = summary.sums[slice] as number;
  const error = summary.sumErrors?.[slice] ?? 0;
  if (error === 0 || !Number.isFinite(estimate)) return { estimate, low: estimate, high: estimate };
  // fl(s − e) ≤ RN(exact) ≤ fl(s + e): rounding to nearest is monotone.
  return { estimate, low: Math.max(0, estimate - error), high: estimate + error };
}

/**
 * The bounds of the sum of several slices' sums (a global norm, a combined report norm). A sum
 * stated correctly rounded is within half an ulp of its exact value; the parts are added exactly
 * and each bound rounded once, so `low` and `high` stay rigorous.
 */
export function combinedBounds(summaries: readonly TensorSummary[]): SumBounds {
  const estimates = new ExactSum();
  const lows = new ExactSum();
  const highs = new ExactSum();
  let count = 0;
  let last: SumBounds = { estimate: 0, low: 0, high: 0 };
  let nonFinite = 0;
  for (const summary of summaries) {
    for (let slice = 0; slice < summary.sums.length; slice++) {
      const sum = summary.sums[slice] as number;
      count++;
      last = sliceBounds(summary, slice);
      if (!Number.isFinite(sum)) {
        // NaN wins over ∞, as in a plain float64 sum of the terms.
        nonFinite = Number.isNaN(sum) || Number.isNaN(nonFinite) ? Number.NaN : sum;
        continue;
      }
      const stated = summary.sumErrors?.[slice];
      const error = stated ?? (sum === 0 ? 0 : ulpBound(sum));
      estimates.add(sum);
      lows.add(sum);
      lows.add(-error);
      highs.add(sum);
      highs.add(error);
    }
  }
  if (nonFinite !== 0) return { estimate: nonFinite, low: nonFinite, high: nonFinite };
  if (count === 1) return last;
  return { estimate: estimates.round(), low: Math.max(0, lows.round()), high: highs.round() };
}

/** True when the bounds pin `S` down to one value. */
export function isExact(bounds: SumBounds): boolean {
  return Object.is(bounds.low, bounds.high);
}

/**
 * `decide` at both ends of every sum's interval (`decide` must be monotone in each sum); the
 * decision when they agree, `undefined` when only the exact sums can decide.
 */
export function certify<D>(
  bounds: readonly SumBounds[],
  decide: (sums: readonly number[]) => D,
  same: (a: D, b: D) => boolean,
): D | undefined {
  const atLow = decide(bounds.map((bound) => bound.low));
  if (bounds.every(isExact)) return atLow;
  const atHigh = decide(bounds.map((bound) => bound.high));
  return same(atLow, atHigh) ? atLow : undefined;
}

/**
 * A rigorous error bound for the most common backend summary: a float64 sum of `count` non-negative
 * terms that are exact in float64 (|g| and g² of float32 values are), added in any order or
 * reduction tree (threads, blocks, pairwise). Then |ŝ − S| ≤ γ·S with γ = (n−1)u / (1 − (n−1)u),
 * u = 2^-53 (Higham, "Accuracy and Stability of Numerical Algorithms", §4.2), so
 * |ŝ − S| ≤ γ/(1 − γ)·ŝ. Doubled, so that evaluating the bound in float64 cannot undercut it.
 * Assumes no float64 underflow, which sums of float32 powers of order 1 or 2 never reach.
 */
export function float64SumErrorBound(sum: number, count: number): number {
  if (!Number.isFinite(sum) || count <= 1) return 0;
  const relative = (count - 1) * 2 ** -53;
  if (relative >= 0.25) return Number.POSITIVE_INFINITY;
  return (2 * sum * relative) / (1 - 2 * relative);
}
