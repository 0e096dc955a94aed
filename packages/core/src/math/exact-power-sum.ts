/**
 * The exact power sum Σ|g|^p (p = 1 or 2) of a float32 array's finite values, fast: an error-free
 * expansion add per element would cost ~100 ns; binning by float32 exponent costs a few.
 *
 * A finite float32 g is m·2^k with m an integer below 2^24 and k = e − 150 (k = −149 for
 * subnormals), where e is its biased exponent. So |g| is a multiple of 2^k below 2^(k+24), and g² a
 * multiple of 2^2k below 2^(2k+48). Adding up to 2^29 such |g| (or 2^5 such g²) of one exponent
 * gives a multiple of 2^k (2^2k) below 2^(k+53) (2^(2k+53)): an integer times a power of two that
 * float64 holds exactly, so each bin's float64 sum is exact. Every full bin is flushed into an
 * error-free expansion, which then holds the exact total.
 */
import type { ExactSum } from './exact-sum.js';

const EXPONENTS = 256;

/** Adds the exact Σ|g|^p of the finite values in `values` to `sum`. */
export function addExactPowerSum(sum: ExactSum, values: Float32Array, p: 1 | 2): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const bins = new Float64Array(EXPONENTS);
  const counts = new Uint32Array(EXPONENTS);
  const capacity = p === 2 ? 32 : 2 ** 29;
  for (let i = 0; i < values.length; i++) {
    const exponent = ((bits[i] as number) >>> 23) & 0xff;
    // 255: NaN or ±∞, summed by no one (the caller counts them).
    if (exponent === 255) continue;
    const magnitude = Math.abs(values[i] as number);
    bins[exponent] = (bins[exponent] as number) + (p === 2 ? magnitude * magnitude : magnitude);
    const count = (counts[exponent] as number) + 1;
    if (count === capacity) {
      sum.add(bins[exponent] as number);
      bins[exponent] = 0;
      counts[exponent] = 0;
    } else counts[exponent] = count;
  }
  for (let exponent = 0; exponent < EXPONENTS; exponent++) {
    const bin = bins[exponent] as number;
    if (bin !== 0) sum.add(bin);
  }
}
