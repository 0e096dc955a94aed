import { type ClipSpec, clip, type HostTensor } from '@gradclip/core';
import { createRandom, wholeTensorLayout } from '@gradclip/core/backend';
import { boundaryCases, caseInputValues } from '@gradclip/core/conformance';
import { createReferenceBackend, summarizeValues } from '@gradclip/core/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from './index.js';

/** Gradients of several shapes whose magnitudes span many binades (the hard case for sums). */
function randomGradients(seed: number, sizes: readonly number[]): HostTensor[] {
  const random = createRandom(seed);
  return sizes.map((size, t) => {
    const values = new Float32Array(size);
    const spread = 1 + (t % 5) * 8;
    for (let i = 0; i < size; i++) {
      const magnitude = 2 ** (-random.uniform() * spread - 10);
      values[i] = (random.uniform() < 0.5 ? -1 : 1) * magnitude * (1 + random.uniform());
    }
    return { shape: [size], values };
  });
}

/** Index of the first element whose bits differ, -1 when none (Buffer#equals is slow on shared memory). */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

const sameBits = (a: Float64Array, b: Float64Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('backend-wasm sums against the exact oracle, within their stated bound', () => {
  let two: WasmBackend;
  let one: WasmBackend;
  beforeAll(async () => {
    two = await createWasmBackend({ threads: 2, parallelThreshold: 0 });
    one = await createWasmBackend({ threads: 1 });
  });
  afterAll(async () => {
    await two.dispose();
    await one.dispose();
  });

  const sizes = [1, 7, 8, 63, 4095, 4096, 4097, 100_003, 262_144, 262_145, 1_500_001];
  for (const p of [2, 1, Number.POSITIVE_INFINITY]) {
    for (const seed of [0, 1, 2]) {
      it(`p = ${p}, seed ${seed}: every sum is within its stated bound of the exact sum`, () => {
        const host = randomGradients(1000 + p + seed, sizes);
        const layouts = host.map((tensor) => wholeTensorLayout(tensor.shape));
        const request = { p, layouts };
        const expected = host.map((tensor, i) => summarizeValues(tensor.values, request, i));
        for (const backend of [two, one]) {
          const tensors = host.map((tensor) => backend.fromHost(tensor.values, tensor.shape));
          const actual = backend.summarize(tensors, request) as ReturnType<typeof summarizeValues>[];
          actual.forEach((summary, i) => {
            const reference = expected[i] as (typeof expected)[number];
            const error = summary.sumErrors?.[0] ?? 0;
            const distance = Math.abs((summary.sums[0] as number) - (reference.sums[0] as number));
            if (p === Number.POSITIVE_INFINITY) expect(error).toBe(0);
            else
              expect(error, `tensor ${i}: a bound far tighter than the decisions need`).toBeLessThan(
                (reference.sums[0] as number) * 2 ** -40,
              );
            expect(distance, `tensor ${i} of ${sizes[i]}`).toBeLessThanOrEqual(error);
            expect(sameBits(summary.maxAbs, reference.maxAbs)).toBe(true);
            expect(summary.minValue).toBe(reference.minValue);
            expect(summary.maxValue).toBe(reference.maxValue);
            expect(summary.nonFiniteCount).toBe(0);
          });
          backend.release(tensors);
        }
      });
    }
  }

  it('NaN and ±∞ give the oracle’s sums, extremes, counts and first index', () => {
    const values = new Float32Array(300_000).map((_, i) => Math.sin(i));
    values[5000] = Number.POSITIVE_INFINITY;
    values[123_456] = Number.NaN;
    values[299_999] = Number.NEGATIVE_INFINITY;
    const infOnly = values.slice();
    infOnly[123_456] = 1;
    for (const host of [values, infOnly]) {
      for (const p of [2, 1, Number.POSITIVE_INFINITY]) {
        const request = { p, layouts: [wholeTensorLayout([host.length])] };
        const expected = summarizeValues(host, request, 0);
        const tensor = two.fromHost(host, [host.length]);
        const [actual] = two.summarize([tensor], request) as ReturnType<typeof summarizeValues>[];
        expect(actual?.sums[0]).toBe(expected.sums[0]);
        expect(actual?.maxAbs[0]).toBe(expected.maxAbs[0]);
        expect(actual?.minValue).toBe(expected.minValue);
        expect(actual?.maxValue).toBe(expected.maxValue);
        expect(actual?.nonFiniteCount).toBe(expected.nonFiniteCount);
        expect(actual?.firstNonFiniteIndex).toBe(expected.firstNonFiniteIndex);
        two.release([tensor]);
      }
    }
  });

  it('clamp summarises its outputs in the same pass: within the bound, and only for the next call', () => {
    const host = randomGradients(77, [5, 4096, 100_003, 300_001]);
    const layouts = host.map((tensor) => wholeTensorLayout(tensor.shape));
    const request = { p: 2, layouts };
    for (const backend of [two, one, two.inPlace]) {
      const owner = backend === one ? one : two;
      const tensors = host.map((tensor) => owner.fromHost(tensor.values, tensor.shape));
      const outputs = backend.clamp(tensors, { min: -2e-4, max: 1e-4 }) as typeof tensors;
      const expected = outputs.map((tensor, i) => summarizeValues(tensor.values.slice(), request, i));
      const fused = (backend.summarize?.(outputs, request) ?? []) as ReturnType<typeof summarizeValues>[];
      const fresh = (backend.summarize?.(outputs, request) ?? []) as ReturnType<typeof summarizeValues>[];
      for (const actual of [fused, fresh]) {
        actual.forEach((summary, i) => {
          const reference = expected[i] as (typeof expected)[number];
          const distance = Math.abs((summary.sums[0] as number) - (reference.sums[0] as number));
          expect(distance).toBeLessThanOrEqual(summary.sumErrors?.[0] ?? 0);
          expect(summary.minValue).toBe(reference.minValue);
          expect(summary.maxValue).toBe(reference.maxValue);
          expect(summary.maxAbs[0]).toBe(reference.maxAbs[0]);
        });
      }
      // Any other kernel call drops the clamp's summaries: a later write is seen.
      backend.clamp(tensors.slice(0, 1), { min: -1, max: 1 });
      backend.zeroNonFinite(tensors.slice(0, 1));
      const target = outputs[3] as (typeof outputs)[number];
      target.values.fill(0.5);
      const [after] = (backend.summarize?.([target], {
        p: 2,
        layouts: [layouts[3] as (typeof layouts)[number]],
      }) ?? []) as ReturnType<typeof summarizeValues>[];
      expect(after?.maxValue).toBe(0.5);
      owner.release([...new Set([...tensors, ...outputs])]);
    }
  });

  const specs: ClipSpec[] = [
    { kind: 'globalNorm', maxNorm: 1e-3 },
    { kind: 'globalNorm', maxNorm: 1e-4, p: 'inf' },
    { kind: 'norm', maxNorm: 1e-3 },
    { kind: 'norm', maxNorm: 1e-3, p: 1 },
    { kind: 'value', min: -1e-4, max: 2e-4 },
    { kind: 'globalNorm', maxNorm: 1e-3, compat: 'pytorch' },
  ];
  for (const spec of specs) {
    it(`clips like the oracle, bit for bit, in both threads counts and in place: ${JSON.stringify(spec)}`, async () => {
      const host = randomGradients(7, [3, 1000, 300_001, 70_000, 1_048_576]);
      const expected = await clip(host, spec, { backend: createReferenceBackend() });
      for (const backend of [two, one, two.inPlace]) {
        const owner = backend === one ? one : two;
        const tensors = host.map((tensor) => owner.fromHost(tensor.values, tensor.shape));
        const { gradients, report } = await clip(tensors, spec, { backend });
        expect(report.clipped).toBe(expected.report.clipped);
        expect(report.scale).toBe(expected.report.scale);
        gradients.forEach((tensor, i) => {
          const reference = (expected.gradients[i] as HostTensor).values;
          expect(firstBitDifference(tensor.values, reference), `tensor ${i} with ${backend.id}`).toBe(-1);
        });
        if (backend === two.inPlace) {
          // In place: the outputs are the inputs, overwritten.
          gradients.forEach((tensor, i) => {
            expect(tensor).toBe(tensors[i]);
          });
        }
        owner.release([...new Set([...tensors, ...gradients])]);
      }
    });
  }
});

describe('in place, on the kit’s rounding-boundary cases', () => {
  it('gives the expected bits of every boundary case (2 threads, every kernel writing its input)', async () => {
    const backend = await createWasmBackend({ threads: 2, parallelThreshold: 0 });
    try {
      for (const testCase of boundaryCases({ count: 40 })) {
        if (!('outputs' in testCase.expect)) continue;
        const host = testCase.input.map((input) => ({
          shape: [...input.shape],
          values: caseInputValues(input),
        }));
        const expected = await clip(host, testCase.spec as ClipSpec, { backend: createReferenceBackend() });
        const tensors = host.map((tensor) => backend.fromHost(tensor.values, tensor.shape));
        const { gradients } = await clip(tensors, testCase.spec as ClipSpec, { backend: backend.inPlace });
        gradients.forEach((tensor, i) => {
          const reference = (expected.gradients[i] as HostTensor).values;
          expect(firstBitDifference(tensor.values, reference), `${testCase.id} tensor ${i}`).toBe(-1);
        });
        backend.release(tensors);
      }
    } finally {
      await backend.dispose();
    }
  });
});
