/**
 * The host-side (float64) finish of `summarize`: per tensor, the chunk results (or, for chunks the
 * engine cannot see exactly, the oracle's own loop) are folded into per-slice state, from which the
 * tensor's summary is assembled.
 */
import { CompensatedSums, type TensorSummary } from '@gradclip/core/backend';
import type { ChunkPartials } from './chunk-kernels.js';
import { sumErrorBound } from './sum-error-bound.js';

/** Per tensor, the running state of the host-side (float64) finish. */
export class TensorAccumulator {
  /** Per slice, the float64 power sum, added in element order like the oracle's. */
  readonly sums: CompensatedSums;
  readonly maxAbs: Float64Array;
  readonly nanSeen: Uint8Array;
  readonly infinitySeen: Uint8Array;
  minValue = Number.POSITIVE_INFINITY;
  maxValue = Number.NEGATIVE_INFINITY;
  nonFiniteCount = 0;
  firstNonFiniteIndex = -1;

  constructor(slices: number) {
    this.sums = new CompensatedSums(slices);
    this.maxAbs = new Float64Array(slices);
    this.nanSeen = new Uint8Array(slices);
    this.infinitySeen = new Uint8Array(slices);
  }

  /** The summary; `sliceSize` elements per slice (every slice of a layout has the same count). */
  finish(p: number, sliceSize: number): TensorSummary {
    const slices = this.maxAbs.length;
    for (let slice = 0; slice < slices; slice++) {
      if (this.nanSeen[slice]) this.maxAbs[slice] = Number.NaN;
      else if (this.infinitySeen[slice]) this.maxAbs[slice] = Number.POSITIVE_INFINITY;
    }
    const sums = new Float64Array(slices);
    if (p === Number.POSITIVE_INFINITY) sums.set(this.maxAbs);
    else {
      for (let slice = 0; slice < slices; slice++) {
        if (this.nanSeen[slice]) sums[slice] = Number.NaN;
        else if (this.infinitySeen[slice]) sums[slice] = Number.POSITIVE_INFINITY;
        else sums[slice] = this.sums.total(slice);
      }
    }
    return {
      sums,
      ...(p === Number.POSITIVE_INFINITY
        ? {}
        : { sumErrors: sums.map((sum) => sumErrorBound(sum, sliceSize, p)) }),
      maxAbs: this.maxAbs,
      minValue: this.minValue,
      maxValue: this.maxValue,
      nonFiniteCount: this.nonFiniteCount,
      firstNonFiniteIndex: this.firstNonFiniteIndex,
    };
  }
}

/** Adds one chunk's partial results to its tensor's float64 finish; `indexOf` maps a chunk offset to a flat index. */
export function accumulateChunk(
  accumulator: TensorAccumulator,
  slice: number,
  partials: ChunkPartials,
  c: number,
  length: number,
  p: number,
  indexOf: (offset: number) => number,
): void {
  const { row } = partials;
  const nans = row('nanCount')[c] as number;
  const positives = row('positiveInfinityCount')[c] as number;
  const negatives = row('negativeInfinityCount')[c] as number;
  const nonFinite = nans + positives + negatives;
  const finite = length - nonFinite;
  if (nonFinite > 0) {
    // The smallest flat index wins: chunks of slices need not come in flat order.
    const index = indexOf(row('firstNonFinite')[c] as number);
    if (accumulator.firstNonFiniteIndex < 0 || index < accumulator.firstNonFiniteIndex) {
      accumulator.firstNonFiniteIndex = index;
    }
    accumulator.nonFiniteCount += nonFinite;
    if (nans > 0) accumulator.nanSeen[slice] = 1;
    if (positives + negatives > 0) accumulator.infinitySeen[slice] = 1;
  }
  const maxAbs = partials.maxAbs(c);
  if (maxAbs > (accumulator.maxAbs[slice] as number)) accumulator.maxAbs[slice] = maxAbs;
  // Same comparisons, in the same element order, as the oracle's min/max.
  const lowest =
    negatives > 0 ? Number.NEGATIVE_INFINITY : finite > 0 ? (row('minValue')[c] as number) : undefined;
  const highest =
    positives > 0 ? Number.POSITIVE_INFINITY : finite > 0 ? (row('maxValue')[c] as number) : undefined;
  if (lowest !== undefined && lowest < accumulator.minValue) accumulator.minValue = lowest;
  if (highest !== undefined && highest > accumulator.maxValue) accumulator.maxValue = highest;
  const { sumRows } = partials;
  if (sumRows !== undefined && maxAbs > 0) {
    const partial = (sumRows[0]?.[c] as number) + (sumRows[1]?.[c] as number);
    accumulator.sums.add(slice, partial * 2 ** (-(partials.shifts[c] as number) * p));
  }
}

/** The oracle's loop over one chunk, for chunks the engine cannot see exactly. */
export function finishOnHost(
  accumulator: TensorAccumulator,
  slice: number,
  values: Float32Array,
  from: number,
  p: number,
): void {
  for (let k = 0; k < values.length; k++) {
    const g = values[k] as number;
    if (!Number.isFinite(g)) {
      accumulator.nonFiniteCount++;
      if (accumulator.firstNonFiniteIndex < 0) accumulator.firstNonFiniteIndex = from + k;
      if (Number.isNaN(g)) accumulator.nanSeen[slice] = 1;
      else accumulator.infinitySeen[slice] = 1;
    }
    if (g < accumulator.minValue) accumulator.minValue = g;
    if (g > accumulator.maxValue) accumulator.maxValue = g;
    const magnitude = Math.abs(g);
    if (magnitude > (accumulator.maxAbs[slice] as number)) accumulator.maxAbs[slice] = magnitude;
    if (Number.isFinite(g) && p !== Number.POSITIVE_INFINITY) {
      accumulator.sums.add(slice, p === 2 ? magnitude * magnitude : magnitude);
    }
  }
}
