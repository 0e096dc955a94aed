/**
 * The two reduction kernels of `summarize`, run over chunks of at most CHUNK elements: per-chunk
 * statistics, then per-chunk float-float power sums of values pre-scaled by an exact power of two
 * chosen from the chunk's max |g|. Only the per-chunk rows come back to the host.
 */
import { ClipError } from '@gradclip/core';
import { FLOAT32_MAX } from '@gradclip/core/backend';
import { bucket } from './batches.js';
import type { TensorData } from './device-tensor.js';
import type { KernelCache, KernelRecipe, RunOptions } from './kernel-cache.js';
import {
  CHUNK,
  powerSumSource,
  STATISTICS_ROW_COUNT,
  STATISTICS_ROWS,
  statisticsSource,
} from './kernel-sources.js';
import type { StagingBuffers } from './staging-buffers.js';

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
