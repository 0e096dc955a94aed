import { ClipError, type ClipSpec, clip } from '@gradclip/core';
import { createRandom, sameFloat32Array } from '@gradclip/core/backend';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, type OrtModule } from './index.js';

/** onnxruntime-node with session creations and releases counted. */
function countingOrt(): { module: OrtModule; created: () => number; released: () => number } {
  let created = 0;
  let released = 0;
  const InferenceSession = {
    create: async (...args: Parameters<typeof ort.InferenceSession.create>) => {
      created++;
      const session = await ort.InferenceSession.create(...args);
      const release = session.release.bind(session);
      session.release = async () => {
        released++;
        await release();
      };
      return session;
    },
  } as unknown as typeof ort.InferenceSession;
  return {
    module: { InferenceSession, Tensor: ort.Tensor, env: ort.env },
    created: () => created,
    released: () => released,
  };
}

function randomValues(seed: number, size: number, scale = 1): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: size }, () => random.normal() * scale);
}

async function expectSameAsOracle(
  tensors: readonly ort.Tensor[],
  spec: ClipSpec,
  backend: Awaited<ReturnType<typeof createOnnxBackend>>,
): Promise<void> {
  const { gradients, report } = await clip([...tensors], spec, { backend });
  const host = tensors.map((tensor) => ({ shape: [...tensor.dims], values: tensor.data as Float32Array }));
  const oracle = await clip(host, spec);
  expect(report.clipped).toBe(oracle.report.clipped);
  gradients.forEach((output, i) => {
    expect(output.dims).toEqual(tensors[i]?.dims);
    expect(sameFloat32Array(output.data as Float32Array, oracle.gradients[i]?.values as Float32Array)).toBe(
      true,
    );
  });
}

describe('session cache', () => {
  it('creates each session once and serves every tensor size with it', async () => {
    const counting = countingOrt();
    const backend = await createOnnxBackend({ ort: counting.module });
    const spec: ClipSpec = { kind: 'globalNorm', maxNorm: 1 };
    const sizes = [[3], [1000], [7, 11], [100_003]];
    await expectSameAsOracle([new ort.Tensor('float32', randomValues(1, 5), [5])], spec, backend);
    const afterFirstCall = counting.created();
    // summarize + scale for one tensor
    expect(afterFirstCall).toBe(2);
    for (const [seed, shape] of sizes.entries()) {
      const size = shape.reduce((a, b) => a * b, 1);
      await expectSameAsOracle(
        [new ort.Tensor('float32', randomValues(seed + 10, size), shape)],
        spec,
        backend,
      );
    }
    expect(counting.created()).toBe(afterFirstCall);
    expect(backend.sessionsCreated).toBe(afterFirstCall);
    await backend.dispose();
    expect(counting.released()).toBe(afterFirstCall);
    expect(backend.sessionsCached).toBe(0);
  });

  it('keys sessions by tensor count and batches long lists', async () => {
    const counting = countingOrt();
    const backend = await createOnnxBackend({ ort: counting.module, maxTensorsPerRun: 4 });
    const spec: ClipSpec = { kind: 'value', min: -0.5, max: 0.5 };
    const list = (count: number, seed: number) =>
      Array.from(
        { length: count },
        (_, i) => new ort.Tensor('float32', randomValues(seed + i, 9 + i), [9 + i]),
      );
    await expectSameAsOracle(list(10, 0), spec, backend); // batches of 4, 4, 2
    const created = counting.created();
    await expectSameAsOracle(list(10, 100), spec, backend);
    await expectSameAsOracle(list(6, 200), spec, backend); // 4 + 2: both cached
    expect(counting.created()).toBe(created);
    await backend.dispose();
  });

  it('refuses work after dispose', async () => {
    const backend = await createOnnxBackend();
    await backend.dispose();
    await expect(
      clip(
        [new ort.Tensor('float32', new Float32Array([3, 4]), [2])],
        { kind: 'norm', maxNorm: 1 },
        { backend },
      ),
    ).rejects.toThrow(/disposed/);
  });

  it('refuses work after dispose with a typed ClipError (BACKEND_UNAVAILABLE)', async () => {
    const backend = await createOnnxBackend();
    await backend.dispose();
    for (const spec of [
      { kind: 'norm', maxNorm: 1 },
      { kind: 'value', min: -1, max: 1 },
    ] as const) {
      const error = await clip([new ort.Tensor('float32', new Float32Array([3, 4]), [2])], spec, {
        backend,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ClipError);
      expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', field: 'backend', value: 'disposed' });
    }
  });
});

describe('concurrency', () => {
  it('gives every concurrent call its own correct result', async () => {
    const backend = await createOnnxBackend();
    const specs: ClipSpec[] = [
      { kind: 'globalNorm', maxNorm: 1 },
      { kind: 'norm', maxNorm: 0.5, p: 3 },
      { kind: 'norm', maxNorm: 2, axes: [1] },
      { kind: 'value', min: -0.25, max: 0.25 },
      { kind: 'globalNorm', maxNorm: 0.1, p: 'inf', compat: 'pytorch' },
    ];
    const calls = Array.from({ length: 40 }, (_, call) => {
      const spec = specs[call % specs.length] as ClipSpec;
      const tensors = [0, 1, 2].map(
        (i) =>
          new ort.Tensor('float32', randomValues(call * 7 + i, (call + 1) * (i + 2) * 3), [
            (call + 1) * (i + 2),
            3,
          ]),
      );
      return expectSameAsOracle(tensors, spec, backend);
    });
    await Promise.all(calls);
    await backend.dispose();
  });
});

describe('signed zeros', () => {
  it('keeps bounds of -0 and gradients of -0 (ORT Where drops -0 from its second input)', async () => {
    const backend = await createOnnxBackend();
    const values = new Float32Array([-1, 1, -0, 0, Number.NaN, -2.5, 3]);
    for (const [min, max] of [
      [-0, -0],
      [-0, 2],
      [-2, -0],
      [0, 0],
    ] as const) {
      await expectSameAsOracle(
        [new ort.Tensor('float32', values.slice(), [7])],
        { kind: 'value', min, max, nonFinite: 'propagate' },
        backend,
      );
    }
    await backend.dispose();
  });
});

describe('tensors', () => {
  it('rejects what is not a float32 CPU ort.Tensor, naming the field', async () => {
    const backend = await createOnnxBackend();
    const ints = new ort.Tensor('int32', new Int32Array([1, 2]), [2]);
    const error = await clip({ w: ints as never }, { kind: 'value', min: 0, max: 1 }, { backend }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ClipError);
    expect((error as ClipError).code).toBe('INVALID_GRADIENTS');
    expect((error as ClipError).field).toContain('w');
    expect((error as ClipError).value).toBe('int32');
    await backend.dispose();
  });

  it('keeps shapes, never mutates inputs, and finds the first non-finite value in a large tensor', async () => {
    const backend = await createOnnxBackend();
    const values = randomValues(5, 1 << 20);
    values[654_321] = Number.NaN;
    values[900_000] = Number.POSITIVE_INFINITY;
    const input = new ort.Tensor('float32', values.slice(), [1024, 1024]);
    const error = await clip([input], { kind: 'globalNorm', maxNorm: 1 }, { backend }).catch(
      (caught: unknown) => caught,
    );
    expect((error as ClipError).code).toBe('NON_FINITE_GRADIENT');
    expect((error as ClipError).index).toBe(654_321);
    const zeroed = await clip([input], { kind: 'globalNorm', maxNorm: 1, nonFinite: 'zero' }, { backend });
    expect(zeroed.report.nonFiniteCount).toBe(2);
    expect(zeroed.gradients[0]?.dims).toEqual([1024, 1024]);
    expect(sameFloat32Array(input.data as Float32Array, values)).toBe(true);
    await backend.dispose();
  });
});
