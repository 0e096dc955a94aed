/**
 * The oracle's arithmetic: plain TypeScript over Float32Arrays, float64 accumulation with
 * Neumaier compensation. Host-side backends may reuse these loops.
 */
import type { ClampBounds, ScaleRequest, SummaryRequest, TensorSummary } from '../backend.js';
import { sliceIndexOfElements } from '../slice-layout.js';

export function summarizeValues(
  values: Float32Array,
  request: SummaryRequest,
  tensorIndex: number,
): TensorSummary {
  const layout = request.layouts[tensorIndex];
  if (layout === undefined) throw new Error(`summarize: no layout for tensor ${tensorIndex}`);
  const { p } = request;
  const slices = layout.sliceCount;
  const sliceOf = sliceIndexOfElements(layout);
  const sums = new Float64Array(slices);
  const compensations = new Float64Array(slices);
  const maxAbs = new Float64Array(slices);
  const down = 2 ** -request.exponent;
  let minValue = Number.POSITIVE_INFINITY;
  let maxValue = Number.NEGATIVE_INFINITY;
  let nonFiniteCount = 0;
  let firstNonFiniteIndex = -1;
  const infinite = p === Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const g = values[i] as number;
    const slice = sliceOf === undefined ? 0 : (sliceOf[i] as number);
    if (!Number.isFinite(g)) {
      nonFiniteCount++;
      if (firstNonFiniteIndex < 0) firstNonFiniteIndex = i;
    }
    if (g < minValue) minValue = g;
    if (g > maxValue) maxValue = g;
    const magnitude = Math.abs(g);
    const currentMax = maxAbs[slice] as number;
    // NaN-propagating max: once NaN, stays NaN.
    if (Number.isNaN(magnitude) || magnitude > currentMax)
      maxAbs[slice] = Number.isNaN(currentMax) ? currentMax : magnitude;
    if (infinite) continue;
    const scaled = magnitude * down;
    const term = p === 2 ? scaled * scaled : p === 1 ? scaled : scaled ** p;
    // Neumaier compensated summation.
    const sum = sums[slice] as number;
    const next = sum + term;
    if (Math.abs(sum) >= Math.abs(term))
      compensations[slice] = (compensations[slice] as number) + (sum - next + term);
    else compensations[slice] = (compensations[slice] as number) + (term - next + sum);
    sums[slice] = next;
  }
  if (infinite) sums.set(maxAbs);
  else {
    for (let slice = 0; slice < slices; slice++) {
      const sum = sums[slice] as number;
      if (Number.isFinite(sum)) sums[slice] = sum + (compensations[slice] as number);
    }
  }
  return { sums, maxAbs, minValue, maxValue, nonFiniteCount, firstNonFiniteIndex };
}

export function scaleValues(values: Float32Array, request: ScaleRequest): Float32Array {
  const out = new Float32Array(values.length);
  const sliceOf = sliceIndexOfElements(request.layout);
  const { multipliers, divisors, order } = request;
  if (order !== 'multiply' && divisors === undefined) {
    throw new Error(`scale: order "${order}" needs divisors`);
  }
  for (let i = 0; i < values.length; i++) {
    const slice = sliceOf === undefined ? 0 : (sliceOf[i] as number);
    const g = values[i] as number;
    const m = multipliers[slice] as number;
    // Products and quotients of float32 values are computed in float64 and rounded once by the
    // Float32Array store; float64 has more than 2·24+2 bits, so this equals float32 arithmetic.
    if (order === 'multiply') out[i] = g * m;
    else if (order === 'multiplyThenDivide') out[i] = Math.fround(g * m) / (divisors?.[slice] as number);
    else out[i] = Math.fround(g / (divisors?.[slice] as number)) * m;
  }
  return out;
}

export function clampValues(values: Float32Array, bounds: ClampBounds): Float32Array {
  const out = new Float32Array(values.length);
  const { min, max } = bounds;
  for (let i = 0; i < values.length; i++) {
    const g = values[i] as number;
    // Comparisons are false for NaN, so NaN passes through; -0 < 0 is false, so -0 stays -0.
    // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; the contract keeps -0.
    out[i] = g < min ? min : g > max ? max : g;
  }
  return out;
}

export function zeroNonFiniteValues(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const g = values[i] as number;
    out[i] = Number.isFinite(g) ? g : 0;
  }
  return out;
}
