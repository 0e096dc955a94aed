/**
 * Packs tensors (or slices of tensors) into batches that one kernel call processes. Small tensors
 * share a batch, so a thousand tensors cost a few kernel calls, and no kernel ever takes more than
 * a fixed number of array arguments (headlessgl reads a 33rd array as zeros, webgpu allows 7).
 * Large tensors are cut across batches, so no buffer exceeds a mode's limit (webgpu: 2^25 floats).
 */

/** Elements per batch: 16 MiB of float32, under webgpu's 128 MiB buffers and exact as a float32 index. */
export const BATCH_CAPACITY = 2 ** 22;
/** Smallest batch size, so that tiny calls share one compiled kernel. */
export const MIN_BATCH = 2 ** 10;

/** A contiguous range of one segment (tensor or slice), placed at `at` in the batch. */
export interface Piece {
  readonly segment: number;
  /** Offset of the range in its segment. */
  readonly from: number;
  readonly length: number;
  readonly at: number;
}

/** A range reduced by one thread: `length ≤ chunk` elements of one segment. */
export interface Chunk {
  readonly segment: number;
  /** Offset of the chunk in its segment. */
  readonly from: number;
  readonly length: number;
  readonly at: number;
}

export interface Batch {
  /** Elements used; the kernel runs on `bucket(elements)`. */
  readonly elements: number;
  readonly pieces: readonly Piece[];
  /** Only when packed with a chunk size. */
  readonly chunks: readonly Chunk[];
}

export interface PackOptions {
  readonly capacity?: number;
  /** Chunk size for reductions; omit for element-wise kernels. */
  readonly chunk?: number;
  /** Most chunks per batch. */
  readonly chunkCapacity?: number;
}

export function packSegments(lengths: readonly number[], options: PackOptions = {}): Batch[] {
  const capacity = options.capacity ?? BATCH_CAPACITY;
  const chunk = options.chunk;
  const chunkCapacity = options.chunkCapacity ?? Number.POSITIVE_INFINITY;
  const batches: Batch[] = [];
  let pieces: Piece[] = [];
  let chunks: Chunk[] = [];
  let elements = 0;
  const close = () => {
    if (pieces.length > 0) batches.push({ elements, pieces, chunks });
    pieces = [];
    chunks = [];
    elements = 0;
  };
  lengths.forEach((length, segment) => {
    let from = 0;
    while (from < length) {
      let take = Math.min(length - from, capacity - elements);
      if (chunk !== undefined) take = Math.min(take, (chunkCapacity - chunks.length) * chunk);
      if (take <= 0) {
        close();
        continue;
      }
      pieces.push({ segment, from, length: take, at: elements });
      if (chunk !== undefined) {
        for (let offset = 0; offset < take; offset += chunk) {
          chunks.push({
            segment,
            from: from + offset,
            length: Math.min(chunk, take - offset),
            at: elements + offset,
          });
        }
      }
      elements += take;
      from += take;
    }
  });
  close();
  return batches;
}

/** The power of two ≥ `count` and ≥ `minimum`: a kernel's size class. */
export function bucket(count: number, minimum: number): number {
  let size = minimum;
  while (size < count) size *= 2;
  return size;
}
