import { createRandom, wholeTensorLayout } from '@gradclip/core/backend';
import { summarizeValues } from '@gradclip/core/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxBackend, type OnnxBackend } from './index.js';
import { rowLength } from './onnx-summarize.js';

describe('summarize over [rows, columns] views', () => {
  let backend: OnnxBackend;
  beforeAll(async () => {
    backend = await createOnnxBackend();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('picks a divisor of the size, up to 8192 columns, or the whole tensor', () => {
    expect(rowLength(1)).toBe(1);
    expect(rowLength(8192)).toBe(8192);
    expect(rowLength(1e7)).toBe(8000);
    expect(rowLength(50257 * 768)).toBe(7424);
    expect(rowLength(1_000_003)).toBe(1_000_003);
  });

  it('every sum is within its stated bound of the exact sum, far tighter than a whole-tensor bound', async () => {
    const random = createRandom(3);
    for (const size of [3, 8193, 300_000, 1_000_003, 2_000_000]) {
      const values = Float32Array.from(
        { length: size },
        () => (random.uniform() - 0.5) * 2 ** (-random.uniform() * 30),
      );
      const input = await backend.fromHost(values, [size]);
      for (const p of [2, 1]) {
        const request = { p, layouts: [wholeTensorLayout([size])] };
        const [summary] = (await backend.summarize?.([input], request)) ?? [];
        const exact = summarizeValues(values, request, 0);
        const error = summary?.sumErrors?.[0] as number;
        expect(Math.abs((summary?.sums[0] as number) - (exact.sums[0] as number))).toBeLessThanOrEqual(error);
        if (size !== 1_000_003) expect(error).toBeLessThan((exact.sums[0] as number) * 2 ** -38);
        expect(summary?.maxAbs[0]).toBe(exact.maxAbs[0]);
        expect(summary?.minValue).toBe(exact.minValue);
        expect(summary?.maxValue).toBe(exact.maxValue);
      }
    }
  });
});
