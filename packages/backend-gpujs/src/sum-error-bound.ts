/**
 * The error bound this backend states for its power sums (`sumErrors`): core certifies every
 * decision from it, so it must hold on every mode as the hardware really behaves.
 */
import { CHUNK } from './kernel-sources.js';

/**
 * A rigorous bound on |sum − exact Σ|g|^p| for one slice of `count` elements. Derivation (every
 * mode here has correctly rounded float32 add and multiply, u = 2^-24; GL modes flush subnormals):
 * - each chunk of CHUNK elements is pre-scaled by a power of two (exact) so its max lies in
 *   [2^8, 2^9); squares are split exactly (Dekker) and added to a float-float accumulator, whose
 *   every step adds at most 6u²·(chunk sum) of error: a chunk holds at most min(count, CHUNK)
 *   elements of one slice (batches.ts), so at most min(count, CHUNK)·6u² ≤ min(count, CHUNK)·2^-44
 *   relative;
 *   products and error terms that underflow in float32 lose at most 2^-126 each in the scaled
 *   domain, where the chunk sum is ≥ 2^16: at most CHUNK·2^-142 relative, inside the margin;
 * - the host adds the chunk sums (exact float-float pairs, exact power-of-two unscaling) in float64
 *   with Neumaier compensation: at most 2·2^-53 relative plus second-order terms;
 * - a subnormal input (|g| < 2^-126) that the engine reads as zero drops at most 2^-126·p of the
 *   unscaled sum per element: `count · 2^-126p` absolute.
 * Rounded up generously (×2) so that computing the bound in float64 cannot undercut it.
 */
export function sumErrorBound(sum: number, count: number, p: number): number {
  if (!Number.isFinite(sum)) return 0;
  return 2 * (sum * (Math.min(count, CHUNK) * 2 ** -44 + 2 ** -50) + count * 2 ** (-126 * p));
}
