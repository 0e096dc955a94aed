/**
 * The oracle's arithmetic: plain TypeScript over Float32Arrays. Power sums for p = 1 and 2 are
 * exact (an error-free expansion, rounded once); other orders keep the host definition, a
 * Neumaier-compensated float64 sum in element order. Host-side backends may reuse these loops.
 */
import type { ClampBounds, ScaleRequest, SummaryRequest, TensorSummary } from '../backend.js';
import { CompensatedSums } from '../math/compensated-sums.js';
import { addExactPowerSum } from '../math/exact-power-sum.js';
import { ExactSum } from '../math/exact-sum.js';
import { type SliceLayout, sliceIndexOfElements } from '../slice-layout.js';

/**
 * One tensor's summary, computed on the host: per slice the correctly rounded power sum (p = 1, 2),
 * the host-definition sum (other p, values pre-scaled by `2^-exponent`) or max |g| (p = ∞).
 */
export function summarizeValues(
  values: Float32Array,
  request: SummaryRequest,
  tensorIndex: number,
  exponent = 0,
): TensorSummary {
  const layout = request.layouts[tensorIndex];
  if (layout === undefined) throw new Error(`summarize: no layout for tensor ${tensorIndex}`);
  const { p } = request;
  if (p === 1 || p === 2) {
    const { summary, sums } = exactSummary(values, layout, p);
    return { ...summary, sums: Float64Array.from(sums, (sum, slice) => finishSlice(sum, summary, slice)) };
  }
  return generalSummary(values, layout, p, exponent);
}

/**
 * Per slice, the exact power sum Σ|g|^p (p = 1 or 2) of the finite elements as an expansion, with
 * the rest of the summary. Core's exact fallback and the two-phase API read the expansions.
 */
export function exactSummary(
  values: Float32Array,
  layout: SliceLayout,
  p: 1 | 2,
): { summary: Omit<TensorSummary, 'sums'>; sums: ExactSum[] } {
  const slices = layout.sliceCount;
  const sliceOf = sliceIndexOfElements(layout);
  const sums = Array.from({ length: slices }, () => new ExactSum());
  const statistics = new Statistics(slices);
  if (sliceOf === undefined) {
    // One slice: statistics and the sum (binned by exponent, math/exact-power-sum.ts) in one pass.
    const { maxAbs, ...rest } = addExactPowerSum(sums[0] as ExactSum, values, p);
    return { summary: { ...rest, maxAbs: new Float64Array([maxAbs]) }, sums };
  }
  for (let i = 0; i < values.length; i++) {
    const g = values[i] as number;
    const slice = sliceOf === undefined ? 0 : (sliceOf[i] as number);
    if (statistics.see(g, slice, i)) (sums[slice] as ExactSum).add(p === 2 ? g * g : Math.abs(g));
  }
  return { summary: statistics.finish(), sums };
}

/** A slice's sum: NaN if it holds a NaN, +∞ if it holds ±∞, else the exact sum rounded once. */
function finishSlice(sum: ExactSum, summary: Omit<TensorSummary, 'sums'>, slice: number): number {
  const maxAbs = summary.maxAbs[slice] as number;
  return Number.isFinite(maxAbs) ? sum.round() : maxAbs;
}

function generalSummary(
  values: Float32Array,
  layout: SliceLayout,
  p: number,
  exponent: number,
): TensorSummary {
  const slices = layout.sliceCount;
  const sliceOf = sliceIndexOfElements(layout);
  const powerSums = new CompensatedSums(slices);
  const statistics = new Statistics(slices);
  const down = 2 ** -exponent;
  const infinite = p === Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const g = values[i] as number;
    const slice = sliceOf === undefined ? 0 : (sliceOf[i] as number);
    statistics.see(g, slice, i);
    if (infinite) continue;
    // NaN and ∞ propagate into the sum.
    powerSums.add(slice, (Math.abs(g) * down) ** p);
  }
  const summary = statistics.finish();
  return { ...summary, sums: infinite ? summary.maxAbs.slice() : powerSums.totals() };
}

/** Min, max, per-slice max |g| (NaN-propagating) and the non-finite count and first index. */
class Statistics {
  readonly maxAbs: Float64Array;
  minValue = Number.POSITIVE_INFINITY;
  maxValue = Number.NEGATIVE_INFINITY;
  nonFiniteCount = 0;
  firstNonFiniteIndex = -1;

  constructor(slices: number) {
    this.maxAbs = new Float64Array(slices);
  }

  /** Records element `i`; true when it is finite. */
  see(g: number, slice: number, i: number): boolean {
    if (g < this.minValue) this.minValue = g;
    if (g > this.maxValue) this.maxValue = g;
    const magnitude = Math.abs(g);
    const currentMax = this.maxAbs[slice] as number;
    // NaN-propagating max: once NaN, stays NaN.
    if (Number.isNaN(magnitude) || magnitude > currentMax)
      this.maxAbs[slice] = Number.isNaN(currentMax) ? currentMax : magnitude;
    if (Number.isFinite(g)) return true;
    this.nonFiniteCount++;
    if (this.firstNonFiniteIndex < 0) this.firstNonFiniteIndex = i;
    return false;
  }

  finish(): Omit<TensorSummary, 'sums'> {
    return {
      maxAbs: this.maxAbs,
      minValue: this.minValue,
      maxValue: this.maxValue,
      nonFiniteCount: this.nonFiniteCount,
      firstNonFiniteIndex: this.firstNonFiniteIndex,
    };
  }
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
