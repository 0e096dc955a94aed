/**
 * `summarize` of tensors that live on the host: each tensor (or, with axes, each slice gathered in
 * flat order) is a segment; segments are packed into batches, and each batch goes through the chunk
 * kernels in one call, its chunk results folded into the tensors' accumulators.
 */
import { type Batch, bucket, MIN_BATCH, packSegments } from './batches.js';
import { runChunkKernels, type SummarizeContext } from './chunk-kernels.js';
import { CHUNK, CHUNK_CAPACITY } from './kernel-sources.js';
import { groupBySlice } from './slice-order.js';
import { accumulateChunk, finishOnHost, type TensorAccumulator } from './tensor-accumulator.js';

/** Below this chunk max, subnormals (< 2^-126) could change a float64 sum of squares. */
const SUBNORMAL_RELEVANCE = 2 ** -99;

/** A contiguous run of elements reduced into one slice of one tensor. */
export interface Segment {
  readonly tensor: number;
  readonly slice: number;
  readonly values: Float32Array;
}

/** The elements of each slice, gathered in flat order: one segment per slice. */
export function sliceSegments(
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

/** Packs the segments into batches and summarizes each batch into its tensors' accumulators. */
export async function summarizeSegments(
  context: SummarizeContext,
  segments: readonly Segment[],
  accumulators: readonly TensorAccumulator[],
  p: number,
): Promise<void> {
  const batches = packSegments(
    segments.map((segment) => segment.values.length),
    { chunk: CHUNK, chunkCapacity: CHUNK_CAPACITY },
  );
  for (const batch of batches) {
    await summarizeBatch(context, batch, segments, accumulators, p);
  }
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
