import type { TensorSummary } from './backend.js';
import {
  addCompensated,
  type CompensatedSum,
  compensatedSum,
  finishCompensated,
  normFromPowerSum,
  powerSumNeedsRescale,
  rescaleExponent,
} from './clip-math.js';
import { ClipError, invalid } from './errors.js';

/**
 * The reducible part of a norm: Σ (|g|·2^-exponent)^p as a compensated float64 pair (or, for
 * p = ∞, the max |g|). Partial norms of shards combine by summing (or taking the max), which is
 * what a caller reduces over their own transport before `clipWithNorm`.
 */
export interface PartialNorm {
  /** Norm order; `"inf"` for max-abs (a JSON-friendly spelling of ∞). */
  readonly p: number | 'inf';
  readonly sum: number;
  readonly compensation: number;
  readonly exponent: number;
  /** Largest |g| seen; NaN when a NaN was seen. */
  readonly maxAbs: number;
  readonly nonFiniteCount: number;
  readonly tensorCount: number;
}

export function orderToNumber(p: number | 'inf'): number {
  return p === 'inf' ? Number.POSITIVE_INFINITY : p;
}

export function orderToJson(p: number): number | 'inf' {
  return p === Number.POSITIVE_INFINITY ? 'inf' : p;
}

/** NaN-propagating max (Math.max propagates NaN too; this states the intent at the call sites). */
export function maxPropagatingNaN(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.max(a, b);
}

/** Reduces one-slice summaries (taken with `exponent`) to a partial norm. */
export function partialFromSummaries(
  summaries: readonly TensorSummary[],
  p: number,
  exponent: number,
): PartialNorm {
  const accumulator = compensatedSum();
  let maxAbs = 0;
  let nonFiniteCount = 0;
  for (const summary of summaries) {
    for (let slice = 0; slice < summary.sums.length; slice++) {
      const sum = summary.sums[slice] as number;
      if (p === Number.POSITIVE_INFINITY) accumulator.sum = maxPropagatingNaN(accumulator.sum, sum);
      else addCompensated(accumulator, sum);
      maxAbs = maxPropagatingNaN(maxAbs, summary.maxAbs[slice] as number);
    }
    nonFiniteCount += summary.nonFiniteCount;
  }
  return {
    p: orderToJson(p),
    sum: accumulator.sum,
    compensation: p === Number.POSITIVE_INFINITY ? 0 : accumulator.compensation,
    exponent,
    maxAbs,
    nonFiniteCount,
    tensorCount: summaries.length,
  };
}

/** True when the partial's float64 power sum lost its range and must be recomputed pre-scaled. */
export function partialNeedsRescale(partial: PartialNorm): boolean {
  return (
    partial.exponent === 0 &&
    partial.nonFiniteCount === 0 &&
    powerSumNeedsRescale(finishCompensated(partial), partial.maxAbs, orderToNumber(partial.p))
  );
}

export function rescaleExponentOf(partial: PartialNorm): number {
  return rescaleExponent(partial.maxAbs);
}

/**
 * Combines partial norms of disjoint shards. The result is what one call over all the gradients
 * computes, so `clipWithNorm` gives the same bits as the one-call form.
 */
export function combinePartialNorms(parts: readonly PartialNorm[]): PartialNorm {
  if (parts.length === 0) {
    throw invalid('INVALID_SPEC', 'parts', parts, 'at least one partial norm');
  }
  const first = parts[0] as PartialNorm;
  parts.forEach((part, i) => {
    if (part.p !== first.p) {
      throw new ClipError(
        'INVALID_SPEC',
        `parts[${i}].p: got ${part.p}, but parts[0].p is ${first.p}; expected partial norms of one order`,
        { field: `parts[${i}].p`, value: part.p, expected: `${first.p}` },
      );
    }
  });
  if (parts.length === 1) return first;
  const p = orderToNumber(first.p);
  let maxAbs = 0;
  let nonFiniteCount = 0;
  let tensorCount = 0;
  let exponent = Number.NEGATIVE_INFINITY;
  for (const part of parts) {
    maxAbs = maxPropagatingNaN(maxAbs, part.maxAbs);
    nonFiniteCount += part.nonFiniteCount;
    tensorCount += part.tensorCount;
    exponent = Math.max(exponent, part.exponent);
  }
  if (p === Number.POSITIVE_INFINITY) {
    let max = 0;
    for (const part of parts) max = maxPropagatingNaN(max, part.sum);
    return { p: first.p, sum: max, compensation: 0, exponent: 0, maxAbs, nonFiniteCount, tensorCount };
  }
  let combined = sumAligned(parts, p, exponent);
  if (nonFiniteCount === 0 && powerSumNeedsRescale(finishCompensated(combined), maxAbs, p)) {
    // Each shard fit in float64 but their total does not: align all shards to a larger exponent.
    exponent = Math.max(exponent, rescaleExponent(maxAbs));
    combined = sumAligned(parts, p, exponent);
  }
  return {
    p: first.p,
    sum: combined.sum,
    compensation: combined.compensation,
    exponent,
    maxAbs,
    nonFiniteCount,
    tensorCount,
  };
}

function sumAligned(parts: readonly PartialNorm[], p: number, exponent: number): CompensatedSum {
  const accumulator = compensatedSum();
  for (const part of parts) {
    // A power of two for integer p, so exact but for underflow.
    const factor = part.exponent === exponent ? 1 : 2 ** (p * (part.exponent - exponent));
    addCompensated(accumulator, part.sum * factor);
    addCompensated(accumulator, part.compensation * factor);
  }
  return accumulator;
}

/** The norm a partial (or a combination of partials) stands for. */
export function normOfPartial(partial: PartialNorm): number {
  const p = orderToNumber(partial.p);
  return normFromPowerSum(finishCompensated(partial), p, partial.exponent);
}
