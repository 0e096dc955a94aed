import {
  createRandom,
  sameFloat32Array,
  type TensorSummary,
  wholeTensorLayout,
} from '@gradclip/core/backend';
import { clampValues, summarizeValues, zeroNonFiniteValues } from '@gradclip/core/reference';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsKernels } from './tfjs-kernels.js';

const SPECIALS = new Float32Array([
  Number.NaN,
  -0,
  0,
  1,
  -1,
  5,
  -5,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e-45,
  -1e-45,
]);

for (const tfBackend of ['cpu', 'wasm']) {
  describe(`kernels on tfjs:${tfBackend}`, () => {
    const kernels = createTfjsKernels({ tf, readback: 'sync' });
    beforeAll(async () => {
      await tf.setBackend(tfBackend);
    });

    // Bounds where tf.clipByValue goes wrong: min == max (its fill fast path), a bound of ±0
    // (XNNPACK's max(-0, 0) is +0 on wasm), and any bound for NaN on wasm.
    for (const bounds of [
      { min: 0, max: 1 },
      { min: -1, max: 0 },
      { min: 0, max: 0 },
      { min: -0, max: -0 },
      { min: 2, max: 2 },
      { min: Number.NEGATIVE_INFINITY, max: 0 },
    ]) {
      it(`clamp keeps NaN and -0 with bounds [${bounds.min}, ${bounds.max}]`, () => {
        const input = tf.tensor1d(SPECIALS);
        const [output] = kernels.clamp([input], bounds) as tf.Tensor[];
        const values = output?.dataSync() as Float32Array;
        expect(sameFloat32Array(values, clampValues(SPECIALS, bounds))).toBe(true);
        expect(Number.isNaN(values[0])).toBe(true);
        tf.dispose([input, output as tf.Tensor]);
      });
    }

    // Issue 12 #4: a bound of -0 lost its sign depending on earlier calls (a clamp cached by the
    // bounds' values, where -0 === +0). Every order of zero bounds must match the oracle.
    it('clamp keeps the sign of a zero bound whatever ran before', () => {
      const sequence = [
        { min: -1, max: -0 },
        { min: -1, max: 0 },
        { min: -1, max: -0 },
        { min: 0, max: -0 },
        { min: -0, max: 0 },
        { min: 0, max: 1 },
        { min: -0, max: 1 },
        { min: 0, max: 1 },
        { min: -0, max: -0 },
        { min: 0, max: 0 },
      ];
      for (const bounds of sequence) {
        const input = tf.tensor1d(SPECIALS);
        const [output] = kernels.clamp([input], bounds) as tf.Tensor[];
        const values = output?.dataSync() as Float32Array;
        const expected = clampValues(SPECIALS, bounds);
        expect(
          sameFloat32Array(values, expected),
          `[${Object.is(bounds.min, -0) ? '-0' : bounds.min}, ${Object.is(bounds.max, -0) ? '-0' : bounds.max}]`,
        ).toBe(true);
        tf.dispose([input, output as tf.Tensor]);
      }
    });

    it('zeroNonFinite replaces NaN and ±Infinity by +0 and keeps -0', () => {
      const input = tf.tensor1d(SPECIALS);
      const [output] = kernels.zeroNonFinite([input]) as tf.Tensor[];
      expect(sameFloat32Array(output?.dataSync() as Float32Array, zeroNonFiniteValues(SPECIALS))).toBe(true);
      tf.dispose([input, output as tf.Tensor]);
    });

    it('summarize: every sum within its stated bound of the exact sum; extremes and NaN as the oracle', async () => {
      const random = createRandom(5);
      const sizes = [0, 1, 3, 4097, 300_001, 1_100_000];
      const host = sizes.map((size, t) =>
        Float32Array.from({ length: size }, () => {
          const magnitude = 2 ** (-random.uniform() * (1 + t * 8) - 10);
          return (random.uniform() < 0.5 ? -1 : 1) * magnitude;
        }),
      );
      const withNaN = Float32Array.from(host[4] as Float32Array);
      withNaN[1234] = Number.NaN;
      withNaN[5] = Number.NEGATIVE_INFINITY;
      host.push(withNaN);
      for (const p of [2, 1, Number.POSITIVE_INFINITY]) {
        const request = { p, layouts: host.map((values) => wholeTensorLayout([values.length])) };
        const tensors = host.map((values) => tf.tensor1d(values));
        for (const async of [false, true]) {
          const kernels = createTfjsKernels({ tf, readback: async ? 'async' : 'sync' });
          const actual = (await kernels.summarize?.(tensors, request)) as TensorSummary[];
          actual.forEach((summary, i) => {
            const expected = summarizeValues(host[i] as Float32Array, request, i);
            const error = summary.sumErrors?.[0] ?? 0;
            if (Number.isFinite(expected.sums[0])) {
              expect(
                Math.abs((summary.sums[0] as number) - (expected.sums[0] as number)),
              ).toBeLessThanOrEqual(error);
              expect(error).toBeLessThanOrEqual((expected.sums[0] as number) * 2 ** -40);
            } else expect(summary.sums[0]).toBe(expected.sums[0]);
            expect(summary.maxAbs[0]).toBe(expected.maxAbs[0]);
            expect(summary.minValue).toBe(expected.minValue);
            expect(summary.maxValue).toBe(expected.maxValue);
            expect(summary.nonFiniteCount).toBe(expected.nonFiniteCount);
            expect(summary.firstNonFiniteIndex).toBe(expected.firstNonFiniteIndex);
          });
        }
        tf.dispose(tensors);
      }
    });

    it('summarize uses a heap summariser on the wasm backend (the tensor read where it lives)', () => {
      const calls: { offset: number; length: number; p: number }[] = [];
      let heapBuffer: unknown;
      const withHeap = createTfjsKernels({
        tf,
        readback: 'sync',
        heapSummarizer: (heap) => {
          heapBuffer = heap.memory.buffer;
          expect(typeof heap.malloc).toBe('function');
          return (offset, length, p) => {
            calls.push({ offset, length, p });
            const values = new Float32Array(heap.memory.buffer, offset, length);
            return summarizeValues(values, { p, layouts: [wholeTensorLayout([length])] }, 0);
          };
        },
      });
      const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
      const input = tf.tensor1d(values);
      const request = { p: 2, layouts: [wholeTensorLayout([1000])] };
      const [summary] = (withHeap.summarize?.([input], request) ?? []) as TensorSummary[];
      const exact = summarizeValues(values, request, 0).sums[0] as number;
      expect(Math.abs((summary?.sums[0] as number) - exact)).toBeLessThanOrEqual(
        summary?.sumErrors?.[0] ?? 0,
      );
      if (tfBackend === 'wasm') {
        expect(calls).toHaveLength(1);
        expect(calls[0]?.length).toBe(1000);
        expect(heapBuffer).toBe(
          (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer,
        );
      } else expect(calls).toHaveLength(0);
      input.dispose();
    });

    it('returns new tensors and leaves the input untouched', () => {
      const input = tf.tensor1d([1, -2, 3]);
      const [clamped] = kernels.clamp([input], {
        min: Number.NEGATIVE_INFINITY,
        max: Number.POSITIVE_INFINITY,
      }) as tf.Tensor[];
      expect(clamped).not.toBe(input);
      input.dispose();
      expect(Array.from(clamped?.dataSync() ?? [])).toEqual([1, -2, 3]);
      clamped?.dispose();
    });
  });
}
