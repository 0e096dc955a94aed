/**
 * This package's summarize kernel over another engine's WebAssembly heap (e.g. TF.js-wasm's), so
 * that engine's tensors are summarised where they live, with SIMD, without a copy: one thread,
 * the same blocks, lanes and tree as the backend's own summaries, hence the same error bound.
 */
import type { TensorSummary } from '@gradclip/core/backend';
import { CHUNK_ELEMENTS, combineSummaryRecords, JOB_BYTES, jobCount } from './job-list.js';
import { KERNEL_BINARY_UNSHARED_BASE64 } from './kernels/kernel-binary.js';
import { bytesOfBase64, type KernelExports } from './kernels/kernel-module.js';
import { blockedSumErrorBound } from './sum-error-bound.js';
import type {} from './webassembly-api.js';

/** Where the kernel may write its job records in the foreign heap (`malloc`/`free` of that heap). */
export interface ForeignHeap {
  readonly memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(offset: number): void;
}

/** The summary of `length` float32 values at `byteOffset` (4-byte aligned), for p = 1, 2 or ∞. */
export type ForeignSummarizer = (byteOffset: number, length: number, p: number) => TensorSummary | undefined;

let compiled: WebAssembly.Module | undefined;

/**
 * A summariser over `heap`, or undefined when this runtime cannot run the kernels (no SIMD).
 * Whole tensors only; it returns undefined for a tensor holding NaN or ±∞ (the caller's own
 * loop then reports where), so every summary it returns is finite.
 */
export function foreignSummarizer(heap: ForeignHeap): ForeignSummarizer | undefined {
  let kernels: KernelExports;
  try {
    compiled ??= new WebAssembly.Module(bytesOfBase64(KERNEL_BINARY_UNSHARED_BASE64));
    kernels = new WebAssembly.Instance(compiled, { env: { memory: heap.memory } })
      .exports as unknown as KernelExports;
  } catch {
    return undefined;
  }
  return (byteOffset, length, p) => {
    const mode = p === 2 ? 2 : p === 1 ? 1 : p === Number.POSITIVE_INFINITY ? 0 : -1;
    if (mode < 0 || byteOffset % 4 !== 0) return undefined;
    const count = jobCount(length);
    const scratch = heap.malloc(64 + count * JOB_BYTES + 64);
    if (!scratch) return undefined;
    try {
      const counter = Math.ceil(scratch / 64) * 64;
      const jobs = counter + 64;
      let view = new DataView(heap.memory.buffer);
      view.setInt32(counter, 0, true);
      for (let j = 0; j < count; j++) {
        const record = jobs + j * JOB_BYTES;
        view.setInt32(record, byteOffset + j * CHUNK_ELEMENTS * 4, true);
        view.setInt32(record + 4, 0, true);
        view.setInt32(record + 8, Math.min(CHUNK_ELEMENTS, length - j * CHUNK_ELEMENTS), true);
      }
      kernels.summarize(jobs, count, counter, mode);
      view = new DataView(heap.memory.buffer);
      const { min, max, sum } = combineSummaryRecords(view, jobs, count, mode);
      if (!Number.isFinite(sum)) return undefined;
      const maxAbs = length === 0 ? 0 : Math.max(Math.abs(min), Math.abs(max));
      // Mode 0 saw no NaN; ±∞ shows in the extremes.
      if (!Number.isFinite(maxAbs)) return undefined;
      return {
        sums: new Float64Array([mode === 0 ? maxAbs : sum]),
        ...(mode === 0 ? {} : { sumErrors: new Float64Array([blockedSumErrorBound(sum, length)]) }),
        maxAbs: new Float64Array([maxAbs]),
        minValue: min,
        maxValue: max,
        nonFiniteCount: 0,
        firstNonFiniteIndex: -1,
      };
    } finally {
      heap.free(scratch);
    }
  };
}
