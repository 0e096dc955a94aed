/**
 * The clipping math, in one place: how a norm is finished from float64 power sums, and which scale
 * each compat mode applies. Backends only run the element-wise operation this file decides.
 */
import type { ScaleOrder } from './backend.js';
import { CompensatedSums } from './math/compensated-sums.js';
import type { CompatMode } from './spec.js';

/**
 * The norm from a power sum: `2^exponent · sum^(1/p)`, or `sum` itself for p = ∞ (a max).
 * Square roots are correctly rounded, so p = 2 needs no Math.pow.
 */
export function normFromPowerSum(sum: number, p: number, exponent: number): number {
  let root: number;
  if (p === Number.POSITIVE_INFINITY || p === 1) root = sum;
  else if (p === 2) root = Math.sqrt(sum);
  else root = sum ** (1 / p);
  return exponent === 0 ? root : root * 2 ** exponent;
}

/**
 * Power-of-two exponent that brings `maxAbs` near 1, so that Σ(|g|·2^-e)^p neither overflows nor
 * underflows float64. Multiplying by a power of two is exact, so every backend gets the same sums.
 */
export function rescaleExponent(maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return 0;
  return Math.floor(Math.log2(maxAbs));
}

/**
 * True when a power sum of finite values lost its range in float64 (overflowed to ∞, or fell below
 * the normal range where precision is lost) and must be recomputed with `rescaleExponent`.
 */
export function powerSumNeedsRescale(sum: number, maxAbs: number, p: number): boolean {
  if (p === Number.POSITIVE_INFINITY || !Number.isFinite(maxAbs)) return false;
  if (sum === Number.POSITIVE_INFINITY) return true;
  return maxAbs > 0 && sum < FLOAT64_MIN_NORMAL;
}

/** What to do with one slice (or all tensors, for a global norm). */
export type ScaleDecision =
  | { readonly apply: false; readonly scale: 1 }
  | {
      readonly apply: true;
      readonly order: ScaleOrder;
      /** float32 */
      readonly multiplier: number;
      /** float32; 1 for `multiply` */
      readonly divisor: number;
      /** multiplier / divisor in float64: the factor the slice's norm is (ideally) multiplied by. */
      readonly scale: number;
    };

const IDENTITY: ScaleDecision = { apply: false, scale: 1 };
/** PyTorch's `clip_grad_norm_` epsilon, `total_norm + 1e-6`, as the float32 it is added as. */
export const PYTORCH_EPSILON = Math.fround(1e-6);
/** The smallest normal float64: a power sum below it has lost precision and is recomputed pre-scaled. */
export const FLOAT64_MIN_NORMAL = 2.2250738585072014e-308;

function multiply(factor: number): ScaleDecision {
  const multiplier = Math.fround(factor);
  // Multiplying a float32 by exactly 1 returns it unchanged; skip the pass.
  if (multiplier === 1) return IDENTITY;
  return { apply: true, order: 'multiply', multiplier, divisor: 1, scale: multiplier };
}

/**
 * The scale for a slice (or for all tensors) of norm `norm` under threshold `maxNorm`.
 *
 * Rules shared by every compat mode: `maxNorm = +∞` is the identity; `maxNorm = 0` multiplies by 0
 * (zeros, never NaN, for finite input). For a finite positive threshold:
 * - `exact`: `norm ≤ maxNorm` → unchanged, bit for bit; else `g · fround(maxNorm / norm)`.
 * - `pytorch`: `g · min(fround(1/fround(fround(n) + 1e-6)) · c, 1)` in float32, always
 *   (`clip_coef = max_norm / (total_norm + 1e-6)`, where Tensor.__rtruediv__ is reciprocal × scalar).
 * - `keras`, global norm: `g · fround(c · min(1/n, 1/c)) + (n − n)` in float32 (clip_by_global_norm).
 * - `keras`, per tensor: `fround(fround(g · c) / max(n, c))` (clip_by_norm), always.
 * - `optax`: `n < c` (strict) → unchanged; else `fround(fround(g / n) · c)`.
 */
export function decideScale(
  norm: number,
  maxNorm: number,
  compat: CompatMode,
  scope: 'global' | 'perTensor',
): ScaleDecision {
  if (maxNorm === Number.POSITIVE_INFINITY) return IDENTITY;
  if (maxNorm === 0) return norm === 0 ? IDENTITY : multiply(0);
  switch (compat) {
    case 'exact':
      return norm <= maxNorm ? IDENTITY : multiply(maxNorm / norm);
    case 'pytorch': {
      const denominator = Math.fround(Math.fround(norm) + PYTORCH_EPSILON);
      const coefficient = Math.fround(Math.fround(1 / denominator) * Math.fround(maxNorm));
      // torch.clamp(max=1) keeps NaN, as Math.min does.
      return multiply(Math.min(coefficient, 1));
    }
    case 'keras': {
      const c = Math.fround(maxNorm);
      const n = Math.fround(norm);
      if (scope === 'global') {
        const inverseNorm = Math.fround(1 / n);
        const inverseThreshold = Math.fround(1 / c);
        const finiteScale = Math.fround(c * Math.min(inverseNorm, inverseThreshold));
        return multiply(Math.fround(finiteScale + (n - n)));
      }
      // clip_by_norm: l2norm = sqrt(l2sum) where l2sum > 0, else l2sum; then t·c / max(l2norm, c).
      const divisor = Math.max(n, c);
      return { apply: true, order: 'multiplyThenDivide', multiplier: c, divisor, scale: c / divisor };
    }
    case 'optax': {
      const c = Math.fround(maxNorm);
      const n = Math.fround(norm);
      if (n < c) return IDENTITY;
      return { apply: true, order: 'divideThenMultiply', multiplier: c, divisor: n, scale: c / n };
    }
  }
}

/**
 * PyTorch's total norm: each tensor's norm (float64 accumulation on CPU) rounded to float32, then
 * the p-norm of those float32 norms, rounded to float32 (`torch.norm(torch.stack(norms), p)`).
 * Compat "pytorch" clips by this value so that its bits match PyTorch's within 1 ULP.
 */
export function pytorchTotalNorm(perTensorNorms: readonly number[], p: number): number {
  if (perTensorNorms.length === 0) return 0;
  if (perTensorNorms.length === 1) return Math.fround(perTensorNorms[0] as number);
  if (p === Number.POSITIVE_INFINITY) {
    let max = 0;
    for (const norm of perTensorNorms)
      max = Number.isNaN(norm) || Number.isNaN(max) ? Number.NaN : Math.max(max, Math.fround(norm));
    return max;
  }
  const sum = new CompensatedSums(1);
  for (const norm of perTensorNorms) {
    const rounded = Math.fround(norm);
    sum.add(0, p === 2 ? rounded * rounded : rounded ** p);
  }
  return Math.fround(normFromPowerSum(sum.total(0), p, 0));
}
