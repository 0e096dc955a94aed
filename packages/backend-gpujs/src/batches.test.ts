import { describe, expect, it } from 'vitest';
import { bucket, packSegments } from './batches.js';

describe('packSegments', () => {
  it('packs small segments together and cuts large ones across batches', () => {
    const batches = packSegments([3, 10, 5], { capacity: 8 });
    expect(batches.map((batch) => batch.elements)).toEqual([8, 8, 2]);
    expect(batches[0]?.pieces).toEqual([
      { segment: 0, from: 0, length: 3, at: 0 },
      { segment: 1, from: 0, length: 5, at: 3 },
    ]);
    expect(batches[2]?.pieces).toEqual([{ segment: 2, from: 3, length: 2, at: 0 }]);
  });

  it('cuts chunks inside segments and respects the chunk capacity', () => {
    const batches = packSegments([5, 2], { capacity: 100, chunk: 2, chunkCapacity: 3 });
    expect(
      batches.map((batch) => batch.chunks.map((chunk) => [chunk.segment, chunk.from, chunk.length])),
    ).toEqual([
      [
        [0, 0, 2],
        [0, 2, 2],
        [0, 4, 1],
      ],
      [[1, 0, 2]],
    ]);
  });

  it('skips empty segments and returns no batch for no data', () => {
    expect(packSegments([0, 0])).toEqual([]);
    expect(packSegments([0, 4, 0])[0]?.pieces).toEqual([{ segment: 1, from: 0, length: 4, at: 0 }]);
  });
});

describe('bucket', () => {
  it('rounds up to a power of two, at least the minimum', () => {
    expect(bucket(1, 1024)).toBe(1024);
    expect(bucket(1025, 1024)).toBe(2048);
    expect(bucket(4096, 16)).toBe(4096);
  });
});
