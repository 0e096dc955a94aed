import { ClipError } from '@gradclip/core';
import {
  CompensatedSums,
  FLOAT32_MAX,
  type SliceLayout,
  type SummaryRequest,
  sliceIndexOfElements,
  type TensorSummary,
} from '@gradclip/core/backend';
import { type Batch, bucket, MIN_BATCH, packSegments } from './batches.js';
import { isDeviceData, type TensorData } from './device-tensor.js';
import type { ElementwiseContext } from './elementwise-kernels.js';
import type { KernelCache, KernelRecipe, RunOptions } from './kernel-cache.js';
import {
  CHUNK,
  powerSumSource,
  STATISTICS_ROW_COUNT,
  STATISTICS_ROWS,
  statisticsSource,
} from './kernel-sources.js';
import { groupBySlice } from './slice-order.js';
import type { StagingBuffers } from './staging-buffers.js';
import { summarizeOnDevice } from './summarize-device.js';

/** Chunks per batch: a batch of 2^22 elements holds 4096 full chunks, plus room for small tensors. */
const CHUNK_CAPACITY = 2 ** 13;
const MIN_CHUNKS = 16;
/** Scaled chunk maxima land in [2^8, 2^9): squares stay below 2^18, a chunk's sum below 2^28. */
const TARGET_EXPONENT = 8;

const statisticsRecipe: KernelRecipe = {
  name: 'statistics',
  source: statisticsSource,
  constants: { chunk: CHUNK, largest: FLOAT32_MAX },
};
const powerSumRecipes: Readonly<Record<1 | 2, KernelRecipe>> = {
  1: {
    name: 'power-sum-1',
    source: powerSumSource,
    constants: { chunk: CHUNK, largest: FLOAT32_MAX, power: 1 },
  },
  2: {
    name: 'power-sum-2',
    source: powerSumSource,
    constants: { chunk: CHUNK, largest: FLOAT32_MAX, power: 2 },
  },
};

export interface SummarizeContext {
  readonly cache: KernelCache;
  readonly staging: StagingBuffers;
  readonly id: string;
  /**
   * The engine reads subnormal inputs as zero (headlessgl on llvmpipe): chunks whose max |g| is
   * below 2^-99, where a flushed subnormal could matter to the float64 sum, are finished on the host.
   */
  readonly flushesSubnormals: boolean;
}

/** Below this chunk max, subnormals (< 2^-126) could change a float64 sum of squares. */
const SUBNORMAL_RELEVANCE = 2 ** -99;

/** A contiguous run of elements reduced into one slice of one tensor. */
interface Segment {
  readonly tensor: number;
  readonly slice: number;
  readonly values: Float32Array;
}

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

/**
 * `summarize` in two kernel passes per batch: per-chunk statistics, then per-chunk float-float power
 * sums of values pre-scaled by an exact power of two chosen from the chunk's max |g|. The host undoes
 * the scaling (exact) and adds the partial sums in float64 with Neumaier compensation.
 */
export async function summarizeTensors(
  context: ElementwiseContext,
  tensors: readonly TensorData[],
  request: SummaryRequest,
): Promise<TensorSummary[]> {
  const { p } = request;
  if (p !== 1 && p !== 2 && p !== Number.POSITIVE_INFINITY) {
    throw new ClipError(
      'INVALID_SPEC',
      `${context.id}: norm order p = ${p} is not supported; expected 1, 2 or "inf" (float32 kernels have no error-free power for other orders)`,
      { field: 'p', value: p, expected: '1, 2 or "inf"' },
    );
  }
  const segments: Segment[] = [];
  const accumulators = tensors.map((values, tensor) => {
    const accumulator = new TensorAccumulator(request.layouts[tensor]?.sliceCount ?? 0);
    const layout = request.layouts[tensor];
    if (layout === undefined) {
      throw new ClipError('BACKEND_CONTRACT', `${context.id}: summarize got no layout for tensor ${tensor}`, {
        field: `layouts[${tensor}]`,
        value: undefined,
        expected: 'one layout per tensor',
      });
    }
    if (isDeviceData(values)) return accumulator;
    if (layout.axes === null) segments.push({ tensor, slice: 0, values });
    else segments.push(...sliceSegments(tensor, values, sliceIndexOfElements(layout), layout.sliceCount));
    return accumulator;
  });
  const batches = packSegments(
    segments.map((segment) => segment.values.length),
    { chunk: CHUNK, chunkCapacity: CHUNK_CAPACITY },
  );
  for (const batch of batches) {
    await summarizeBatch(context, batch, segments, accumulators, p);
  }
  for (const [tensor, values] of tensors.entries()) {
    if (!isDeviceData(values)) continue;
    const layout = request.layouts[tensor] as SliceLayout;
    await summarizeOnDevice(context, values, layout, accumulators[tensor] as TensorAccumulator, p);
  }
  // With axes, chunks run in slice order, so the first non-finite index comes from the values.
  tensors.forEach((values, tensor) => {
    const accumulator = accumulators[tensor] as TensorAccumulator;
    if (isDeviceData(values)) return;
    if (request.layouts[tensor]?.axes !== null && accumulator.nonFiniteCount > 0) {
      accumulator.firstNonFiniteIndex = values.findIndex((value) => !Number.isFinite(value));
    }
  });
  return accumulators.map((accumulator, tensor) => {
    const layout = request.layouts[tensor] as SliceLayout;
    return accumulator.finish(p, layout.sliceCount === 0 ? 0 : layout.size / layout.sliceCount);
  });
}

async function summarizeBatch(
  context: SummarizeContext,
  batch: Batch,
  segments: readonly Segment[],
  accumulators: readonly TensorAccumulator[],
  p: number,
): Promise<void> {
  const size = bucket(batch.elements, MIN_BATCH);
  const values = context.staging.get('values', size);
  for (const piece of batch.pieces) {
    const source = (segments[piece.segment] as Segment).values;
    values.set(source.subarray(piece.from, piece.from + piece.length), piece.at);
  }
  const partials = await runChunkKernels(context, values, batch.chunks, p, {});
  batch.chunks.forEach((chunk, c) => {
    const segment = segments[chunk.segment] as Segment;
    const accumulator = accumulators[segment.tensor] as TensorAccumulator;
    if (context.flushesSubnormals && (partials.maxAbs(c) as number) < SUBNORMAL_RELEVANCE) {
      finishOnHost(
        accumulator,
        segment.slice,
        values.subarray(chunk.at, chunk.at + chunk.length),
        chunk.from,
        p,
      );
      return;
    }
    accumulateChunk(
      accumulator,
      segment.slice,
      partials,
      c,
      chunk.length,
      p,
      (offset) => chunk.from + offset,
    );
  });
}

/** A run of chunks of one data source: where each starts in the kernel's `values`, and its length. */
interface ChunkPlacement {
  readonly at: number;
  readonly length: number;
}

/** Per-chunk results of the two reduction kernels, read back to the host (9 floats per chunk). */
export interface ChunkPartials {
  readonly row: (name: keyof typeof STATISTICS_ROWS) => Float32Array;
  readonly maxAbs: (chunk: number) => number;
  readonly sumRows: Float32Array[] | undefined;
  readonly shifts: Float64Array;
}

/**
 * Runs the statistics kernel, picks the per-chunk power-of-two scaling, then runs the power-sum
 * kernel. `values` is a host batch or a device tensor; only the per-chunk rows come back.
 */
export async function runChunkKernels(
  context: SummarizeContext,
  values: TensorData,
  chunks: readonly ChunkPlacement[],
  p: number,
  options: RunOptions,
): Promise<ChunkPartials> {
  const chunkSlots = bucket(chunks.length, MIN_CHUNKS);
  const chunkStart = context.staging.get('chunk-start', chunkSlots).fill(0);
  const chunkLength = context.staging.get('chunk-length', chunkSlots).fill(0);
  chunks.forEach((chunk, c) => {
    chunkStart[c] = chunk.at;
    chunkLength[c] = chunk.length;
  });
  const statistics = rowsOf(
    await context.cache.run(
      statisticsRecipe,
      [chunkSlots, STATISTICS_ROW_COUNT],
      [values as never, chunkStart, chunkLength],
      options,
    ),
    STATISTICS_ROW_COUNT,
    context.id,
  );
  const row = (name: keyof typeof STATISTICS_ROWS) => statistics[STATISTICS_ROWS[name]] as Float32Array;
  const maxAbsRow = row('maxAbs');
  let sumRows: Float32Array[] | undefined;
  const shifts = new Float64Array(chunks.length);
  if (p === 1 || p === 2) {
    const scaleA = context.staging.get('scale-a', chunkSlots).fill(1);
    const scaleB = context.staging.get('scale-b', chunkSlots).fill(1);
    for (let c = 0; c < chunks.length; c++) {
      const largest = maxAbsRow[c] as number;
      if (largest === 0) continue;
      const shift = TARGET_EXPONENT - binaryExponent(largest);
      shifts[c] = shift;
      // Two factors, each a normal float32 power of two: shift spans [-119, 157].
      scaleA[c] = 2 ** Math.min(shift, 100);
      scaleB[c] = 2 ** Math.max(shift - 100, 0);
    }
    sumRows = rowsOf(
      await context.cache.run(
        powerSumRecipes[p],
        [chunkSlots, 2],
        [values as never, chunkStart, chunkLength, scaleA, scaleB, 1, 1],
        options,
      ),
      2,
      context.id,
    );
  }
  return { row, maxAbs: (c) => maxAbsRow[c] as number, sumRows, shifts };
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
function finishOnHost(
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

/** The elements of each slice, gathered in flat order: one segment per slice. */
function sliceSegments(
  tensor: number,
  values: Float32Array,
  sliceOf: Int32Array | undefined,
  sliceCount: number,
): Segment[] {
  const { starts, gathered } = groupBySlice(sliceOf, values.length, sliceCount, values);
  const segments: Segment[] = [];
  for (let slice = 0; slice < sliceCount; slice++) {
    segments.push({
      tensor,
      slice,
      values: gathered.subarray(starts[slice] as number, starts[slice + 1] as number),
    });
  }
  return segments;
}

/** e with 2^e ≤ x < 2^(e+1), exactly, for a positive finite x (subnormals included). */
export function binaryExponent(x: number): number {
  let e = Math.floor(Math.log2(x));
  if (2 ** e > x) e--;
  else if (2 ** (e + 1) <= x) e++;
  return e;
}

function rowsOf(result: Float32Array | Float32Array[], count: number, id: string): Float32Array[] {
  if (Array.isArray(result) && result.length === count) return result;
  throw new ClipError(
    'BACKEND_CONTRACT',
    `${id}: a reduction kernel returned ${describe(result)}, expected ${count} rows`,
    {
      field: 'kernel output',
      value: describe(result),
      expected: `${count} rows`,
    },
  );
}

function describe(result: unknown): string {
  return Array.isArray(result)
    ? `${result.length} rows`
    : ((result as object)?.constructor?.name ?? typeof result);
}
