import { ClipError } from '@gradclip/core';
import { describe, expect, it } from 'vitest';
import { MemoryPool } from './memory-pool.js';
import type {} from './webassembly-api.js';

function memory(pages = 1, maximum = 64) {
  return new WebAssembly.Memory({ initial: pages, maximum, shared: true });
}

describe('MemoryPool', () => {
  it('hands out 64-byte aligned regions after the reserved bytes, without overlap', () => {
    const pool = new MemoryPool(memory(), 100, 64 * 65536);
    const a = pool.allocate(10);
    const b = pool.allocate(100);
    expect(a).toBe(128);
    expect(b).toBe(192);
    expect(b % 64).toBe(0);
  });

  it('reuses a freed region of the same size first', () => {
    const pool = new MemoryPool(memory(), 0, 64 * 65536);
    const a = pool.allocate(1000);
    pool.allocate(1000);
    pool.free(a, 1000);
    expect(pool.usage.freeBytes).toBe(1024);
    expect(pool.allocate(1000)).toBe(a);
    expect(pool.usage.freeBytes).toBe(0);
    expect(pool.allocate(2000)).not.toBe(a);
  });

  it('grows the memory on demand', () => {
    const shared = memory(1, 64);
    const pool = new MemoryPool(shared, 0, 64 * 65536);
    const offset = pool.allocate(3 * 65536);
    expect(shared.buffer.byteLength).toBeGreaterThanOrEqual(offset + 3 * 65536);
  });

  it('refuses more than the maximum with a ClipError naming the option', () => {
    const pool = new MemoryPool(memory(1, 4), 0, 4 * 65536);
    expect(() => pool.allocate(5 * 65536)).toThrow(ClipError);
    try {
      pool.allocate(5 * 65536);
    } catch (error) {
      expect((error as ClipError).field).toBe('maximumMemoryBytes');
    }
  });
});

describe('MemoryPool: coalescing and bounded reuse (issue 12 #3)', () => {
  it('merges freed neighbours, so two freed regions serve one larger request', () => {
    const pool = new MemoryPool(memory(), 0, 64 * 65536);
    const a = pool.allocate(1024);
    const b = pool.allocate(1024);
    pool.allocate(64); // keeps a and b below the top
    pool.free(a, 1024);
    pool.free(b, 1024);
    expect(pool.usage.freeBlocks).toBe(1);
    expect(pool.allocate(2048)).toBe(a);
  });

  it('lowers the top when the highest region is freed, whatever the order', () => {
    const pool = new MemoryPool(memory(), 0, 64 * 65536);
    const offsets = [100, 5000, 64, 70000, 3].map((bytes) => [pool.allocate(bytes), bytes] as const);
    for (const index of [3, 0, 4, 2, 1]) {
      const [offset, bytes] = offsets[index] as readonly [number, number];
      pool.free(offset, bytes);
    }
    expect(pool.usage).toMatchObject({ reservedBytes: 0, freeBytes: 0, freeBlocks: 0 });
  });

  it('splits a larger free block and keeps the rest free', () => {
    const pool = new MemoryPool(memory(), 0, 64 * 65536);
    const big = pool.allocate(64 * 100);
    pool.allocate(64);
    pool.free(big, 64 * 100);
    expect(pool.allocate(64 * 30)).toBe(big);
    expect(pool.usage.freeBytes).toBe(64 * 70);
    expect(pool.allocate(64 * 70)).toBe(big + 64 * 30);
    expect(pool.usage.freeBytes).toBe(0);
  });

  // The audit's workload: 1,070 tensors of random sizes (1 to 1M floats), each released. The
  // exact-size pool reserved a new region for almost every one (4 GiB); this one reuses one.
  it('serves thousands of random sizes, allocated and freed, within a bounded span', () => {
    const pool = new MemoryPool(memory(1, 4096), 0, 4096 * 65536);
    let seed = 12;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const live: [number, number][] = [];
    let liveBytes = 0;
    let peakLive = 0;
    let peakReserved = 0;
    for (let step = 0; step < 5000; step++) {
      // Keep up to eight regions alive across steps, released in random order: fragmentation.
      if (live.length > 0 && (live.length >= 8 || random() < 0.5)) {
        const [offset, bytes] = live.splice(Math.floor(random() * live.length), 1)[0] as [number, number];
        pool.free(offset, bytes);
        liveBytes -= MemoryPool.sizeOf(bytes);
        continue;
      }
      // Half uniform (as the audit), half log-uniform (many small ones between large ones).
      const floats = random() < 0.5 ? 1 + Math.floor(random() * 2 ** 20) : Math.ceil(2 ** (random() * 20));
      const bytes = floats * 4;
      const offset = pool.allocate(bytes);
      expect(offset % 64).toBe(0);
      for (const [other, otherBytes] of live) {
        expect(offset + bytes <= other || other + otherBytes <= offset).toBe(true);
      }
      live.push([offset, bytes]);
      liveBytes += MemoryPool.sizeOf(bytes);
      peakLive = Math.max(peakLive, liveBytes);
      peakReserved = Math.max(peakReserved, pool.usage.reservedBytes);
    }
    for (const [offset, bytes] of live) pool.free(offset, bytes);
    // At most eight live regions of ≤ 4 MiB: the span stays within a few times the peak live bytes.
    expect(peakReserved).toBeLessThan(3 * peakLive);
    expect(pool.usage.memoryBytes).toBeLessThan(128 * 2 ** 20);
    expect(pool.usage).toMatchObject({ reservedBytes: 0, freeBytes: 0, freeBlocks: 0 });
  });
});
