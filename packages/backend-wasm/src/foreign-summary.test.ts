import { createRandom, wholeTensorLayout } from '@gradclip/core/backend';
import { summarizeValues } from '@gradclip/core/reference';
import { describe, expect, it } from 'vitest';
import { foreignSummarizer } from './index.js';

describe('foreignSummarizer (the summarize kernel over another engine’s unshared heap)', () => {
  const memory = new WebAssembly.Memory({ initial: 512 });
  let top = 24 << 20;
  const freed: number[] = [];
  const heap = {
    memory,
    malloc: (bytes: number) => {
      const at = top;
      top += Math.ceil(bytes / 64) * 64;
      return at;
    },
    free: (offset: number) => {
      freed.push(offset);
    },
  };
  const summarize = foreignSummarizer(heap);

  it('sums within the stated bound, extremes as the oracle, and frees its scratch', () => {
    expect(summarize).toBeDefined();
    const random = createRandom(9);
    for (const size of [1, 7, 4097, 262_145, 1_000_003]) {
      const values = Float32Array.from(
        { length: size },
        () => (random.uniform() - 0.5) * 2 ** (-random.uniform() * 20),
      );
      const at = 4 * 1024;
      new Float32Array(memory.buffer, at, size).set(values);
      for (const p of [2, 1, Number.POSITIVE_INFINITY]) {
        const expected = summarizeValues(values, { p, layouts: [wholeTensorLayout([size])] }, 0);
        const actual = summarize?.(at, size, p);
        const error = actual?.sumErrors?.[0] ?? 0;
        expect(Math.abs((actual?.sums[0] as number) - (expected.sums[0] as number))).toBeLessThanOrEqual(
          error,
        );
        expect(actual?.maxAbs[0]).toBe(expected.maxAbs[0]);
        expect(actual?.minValue).toBe(expected.minValue);
        expect(actual?.maxValue).toBe(expected.maxValue);
      }
    }
    expect(freed.length).toBe(15);
  });

  it('declines tensors holding NaN or ±∞ (the caller’s loop reports where)', () => {
    const values = new Float32Array(10_000).fill(0.5);
    values[77] = Number.NaN;
    new Float32Array(memory.buffer, 4096, values.length).set(values);
    for (const p of [2, 1, Number.POSITIVE_INFINITY])
      expect(summarize?.(4096, values.length, p)).toBeUndefined();
    values[77] = Number.NEGATIVE_INFINITY;
    new Float32Array(memory.buffer, 4096, values.length).set(values);
    for (const p of [2, 1, Number.POSITIVE_INFINITY])
      expect(summarize?.(4096, values.length, p)).toBeUndefined();
  });
});
