import { elementCount, type SliceLayout, sliceIndexOfElements } from '@gradclip/core/backend';
import { runChunkKernels } from './chunk-kernels.js';
import type { GpujsDeviceData } from './device-tensor.js';
import { type ElementwiseContext, gatherOnDevice } from './elementwise-kernels.js';
import type { KernelRecipe } from './kernel-cache.js';
import { CHUNK, CHUNK_CAPACITY, gatherSource } from './kernel-sources.js';
import { groupBySlice } from './slice-order.js';
import { accumulateChunk, type TensorAccumulator } from './tensor-accumulator.js';

const gatherRecipe: KernelRecipe = { name: 'gather', source: gatherSource, constants: {} };

/** A slice's elements, contiguous in the data the reduction kernels read. */
interface SliceRange {
  readonly slice: number;
  readonly from: number;
  readonly length: number;
}

/**
 * `summarize` of one tensor that lives on the device: the reduction kernels read the texture or
 * buffer directly and only their per-chunk rows (9 floats per 1024 elements) come back to the host.
 * With axes, the slices are first gathered into slice order on the device (the order of indices is
 * uploaded, the data is not read back). Chunks flushed by the engine cannot be finished on the host
 * here, since the host has no copy of the data.
 */
export async function summarizeOnDevice(
  context: ElementwiseContext,
  data: GpujsDeviceData,
  layout: SliceLayout,
  accumulator: TensorAccumulator,
  p: number,
): Promise<void> {
  const length = elementCount(data.output);
  let source = data;
  let order: Float32Array | undefined;
  let ranges: SliceRange[] = [{ slice: 0, from: 0, length }];
  if (layout.axes !== null) {
    const { starts, gathered } = groupBySlice(sliceIndexOfElements(layout), length, layout.sliceCount);
    ranges = [];
    for (let slice = 0; slice < layout.sliceCount; slice++) {
      const from = starts[slice] as number;
      ranges.push({ slice, from, length: (starts[slice + 1] as number) - from });
    }
    order = gathered;
    source = await gatherOnDevice(context, gatherRecipe, data, gathered, length);
  }
  try {
    for (const range of ranges) {
      for (let first = 0; first < range.length; first += CHUNK * CHUNK_CAPACITY) {
        const chunks: { at: number; length: number }[] = [];
        const end = Math.min(range.length, first + CHUNK * CHUNK_CAPACITY);
        for (let offset = first; offset < end; offset += CHUNK) {
          chunks.push({ at: range.from + offset, length: Math.min(CHUNK, end - offset) });
        }
        const partials = await runChunkKernels(context, source, chunks, p, { deviceArguments: true });
        chunks.forEach((chunk, c) => {
          accumulateChunk(accumulator, range.slice, partials, c, chunk.length, p, (offset) => {
            const position = chunk.at + offset;
            return order === undefined ? position : (order[position] as number);
          });
        });
      }
    }
  } finally {
    if (source !== data) source.delete();
  }
}
