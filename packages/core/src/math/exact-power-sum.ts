/**
 * The exact power sum Σ|g|^p (p = 1 or 2) of a float32 array's finite values, fast: an error-free
 * expansion add per element would cost ~100 ns; binning by float32 exponent costs a few.
 *
 * A finite float32 g is m·2^k with m an integer below 2^24 and k = e − 150 (k = −149 for
 * subnormals), where e is its biased exponent. So |g| is a multiple of 2^k below 2^(k+24), and g² a
 * multiple of 2^2k below 2^(2k+48). Adding up to 2^29 such |g| (or 2^5 such g²) of one exponent
 * gives a multiple of 2^k (2^2k) below 2^(k+53) (2^(2k+53)): an integer times a power of two that
 * float64 holds exactly, so each bin's float64 sum is exact. A bin is flushed into an error-free
 * expansion as soon as it could not take one more term exactly (it reached `limit`), so the
 * expansion ends up holding the exact total.
 */
import type { ExactSum } from './exact-sum.js';

const EXPONENTS = 256;

/**
 * Per biased exponent e, the bin value from which one more term might not be exact: (2^29 − 1) terms'
 * worth for |g| (each below 2^(k+24)), 31 for g² (each below 2^(2k+48)), with k = max(e, 1) − 150.
 */
const LIMITS: Readonly<Record<1 | 2, Float64Array>> = {
  1: Float64Array.from({ length: EXPONENTS }, (_, e) => (2 ** 29 - 1) * 2 ** (Math.max(e, 1) - 150 + 24)),
  2: Float64Array.from({ length: EXPONENTS }, (_, e) => 31 * 2 ** (2 * (Math.max(e, 1) - 150) + 48)),
};

/** Smallest and largest value (ignoring NaN), max |g| (NaN-propagating), non-finite count and first index. */
export interface ValueStatistics {
  minValue: number;
  maxValue: number;
  maxAbs: number;
  nonFiniteCount: number;
  firstNonFiniteIndex: number;
}

/**
 * Adds the exact Σ|g|^p of the finite values in `values` to `sum` and, in the same pass, returns
 * their statistics (one read of the data: the reference's whole-tensor summary).
 */
export function addExactPowerSum(sum: ExactSum, values: Float32Array, p: 1 | 2): ValueStatistics {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const bins = new Float64Array(EXPONENTS);
  const limits = LIMITS[p];
  let minValue = Number.POSITIVE_INFINITY;
  let maxValue = Number.NEGATIVE_INFINITY;
  let maxAbs = 0;
  let nonFiniteCount = 0;
  let firstNonFiniteIndex = -1;
  let nan = false;
  for (let i = 0; i < values.length; i++) {
    const g = values[i] as number;
    // Comparisons with NaN are false: min and max ignore it.
    if (g < minValue) minValue = g;
    if (g > maxValue) maxValue = g;
    const exponent = ((bits[i] as number) >>> 23) & 0xff;
    if (exponent === 255) {
      // NaN or ±∞: counted, never summed.
      nonFiniteCount++;
      if (firstNonFiniteIndex < 0) firstNonFiniteIndex = i;
      if (Number.isNaN(g)) nan = true;
      else maxAbs = Number.POSITIVE_INFINITY;
      continue;
    }
    const magnitude = Math.abs(g);
    if (magnitude > maxAbs) maxAbs = magnitude;
    // Exact: the bin was below its limit, the term below 2^(k+24) (2^(2k+48)).
    const bin = (bins[exponent] as number) + (p === 2 ? magnitude * magnitude : magnitude);
    if (bin >= (limits[exponent] as number)) {
      sum.add(bin);
      bins[exponent] = 0;
    } else bins[exponent] = bin;
  }
  for (let exponent = 0; exponent < EXPONENTS; exponent++) {
    const bin = bins[exponent] as number;
    if (bin !== 0) sum.add(bin);
  }
  return { minValue, maxValue, maxAbs: nan ? Number.NaN : maxAbs, nonFiniteCount, firstNonFiniteIndex };
}
