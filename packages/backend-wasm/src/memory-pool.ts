import { ClipError } from '@gradclip/core';
import type {} from './webassembly-api.js';

const PAGE_BYTES = 65536;
/** Allocations are 64-byte aligned (a cache line), so SIMD loads never straddle lines needlessly. */
const ALIGN = 64;

/**
 * A free-list allocator over a shared WebAssembly.Memory. Freed regions are kept by exact size and
 * handed out again first: a training loop that clips tensors of the same shapes every step reuses
 * the same, already-touched pages, so no call after the first pays page faults for its outputs.
 * Memory is never returned to the system (wasm memories cannot shrink) until the backend is disposed.
 */
export class MemoryPool {
  readonly #memory: WebAssembly.Memory;
  readonly #maximumBytes: number;
  readonly #free = new Map<number, number[]>();
  #top: number;
  #freeBytes = 0;

  constructor(memory: WebAssembly.Memory, reservedBytes: number, maximumBytes: number) {
    this.#memory = memory;
    this.#top = roundUp(reservedBytes);
    this.#maximumBytes = maximumBytes;
  }

  static sizeOf(bytes: number): number {
    return roundUp(Math.max(bytes, ALIGN));
  }

  /** A region of at least `bytes` bytes, 64-byte aligned; its content is whatever was there. */
  allocate(bytes: number): number {
    const size = MemoryPool.sizeOf(bytes);
    const reused = this.#free.get(size)?.pop();
    if (reused !== undefined) {
      this.#freeBytes -= size;
      return reused;
    }
    const offset = this.#top;
    const end = offset + size;
    if (end > this.#maximumBytes) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `backend-wasm: ${bytes} bytes do not fit in the wasm memory (${this.#top} of ${this.#maximumBytes} bytes in use, ${this.#freeBytes} free in other sizes); release tensors you no longer need or raise maximumMemoryBytes`,
        { field: 'maximumMemoryBytes', value: this.#maximumBytes, expected: `at least ${end} bytes` },
      );
    }
    const current = this.#memory.buffer.byteLength;
    if (end > current) {
      // Grow by at least a quarter of the current size so that growth stays amortised.
      const wanted = Math.max(end - current, Math.floor(current / 4));
      const pages = Math.min(
        Math.ceil(wanted / PAGE_BYTES),
        Math.floor((this.#maximumBytes - current) / PAGE_BYTES),
      );
      this.#memory.grow(Math.max(pages, Math.ceil((end - current) / PAGE_BYTES)));
    }
    this.#top = end;
    return offset;
  }

  free(offset: number, bytes: number): void {
    const size = MemoryPool.sizeOf(bytes);
    let list = this.#free.get(size);
    if (list === undefined) {
      list = [];
      this.#free.set(size, list);
    }
    list.push(offset);
    this.#freeBytes += size;
  }

  /** Bytes handed out at least once (the high-water mark) and bytes waiting in free lists. */
  get usage(): { readonly reservedBytes: number; readonly freeBytes: number } {
    return { reservedBytes: this.#top, freeBytes: this.#freeBytes };
  }
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
