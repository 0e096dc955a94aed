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
