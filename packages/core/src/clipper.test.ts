import { describe, expect, it } from 'vitest';
import type { ClipBackend } from './backend.js';
import { clip, clipSync, createClipper } from './clipper.js';
import { ClipError } from './errors.js';
import { firstAvailable } from './first-available.js';
import type { HostTensor } from './reference/host-tensor.js';
import { createReferenceBackend } from './reference/reference-backend.js';

const host = (values: number[], shape = [values.length]): HostTensor => ({
  shape,
  values: new Float32Array(values),
});

async function rejection(promise: Promise<unknown>): Promise<ClipError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClipError) return error;
    throw error;
  }
  throw new Error('expected a ClipError');
}

describe('clip', () => {
  it('keeps the container: a list gives a list, a map gives a map with the same keys', async () => {
    const list = await clip([host([3, 4]), host([1])], { kind: 'norm', maxNorm: 1 });
    expect(Array.isArray(list.gradients)).toBe(true);
    const map = await clip(
      { 'dense/kernel': host([3, 4]), 'dense/bias': host([1]) },
      { kind: 'norm', maxNorm: 1 },
    );
    expect(Object.keys(map.gradients)).toEqual(['dense/kernel', 'dense/bias']);
    expect(Array.from(map.gradients['dense/kernel']?.values ?? [])).toEqual([
      Math.fround(0.6),
      Math.fround(0.8),
    ]);
  });

  it('returns untouched tensors as the same object, and never mutates inputs', async () => {
    const small = host([0.1, 0.2]);
    const big = host([30, 40]);
    const before = big.values.slice();
    const { gradients } = await clip([small, big], { kind: 'norm', maxNorm: 1 });
    expect(gradients[0]).toBe(small);
    expect(gradients[1]).not.toBe(big);
    expect(big.values).toEqual(before);
  });

  it('names the tensor, the flat and multi-dimensional index and the value of the first non-finite entry', async () => {
    const error = await rejection(
      clip(
        { ok: host([1]), 'dense/kernel': host([1, 2, 3, Number.NEGATIVE_INFINITY, Number.NaN, 6], [2, 3]) },
        {
          kind: 'globalNorm',
          maxNorm: 1,
        },
      ),
    );
    expect(error.code).toBe('NON_FINITE_GRADIENT');
    expect(error.tensor).toBe('dense/kernel');
    expect(error.index).toBe(3);
    expect(error.message).toMatch(
      /^dense\/kernel\[3\] \(index \[1, 0\] of shape \[2, 3\]\) is -Infinity; 2 non-finite values/,
    );
  });

  it("uses a tensor's own name in a list", async () => {
    const error = await rejection(
      clip([{ name: 'bias', ...host([Number.NaN]) }], { kind: 'value', min: -1, max: 1 }),
    );
    expect(error.message).toMatch(/^bias\[0\] is NaN/);
  });

  it.each([
    [[{ shape: [2], values: [1, 2] }], 'gradients[0].values', /got Array, expected a Float32Array/],
    [
      [{ shape: [3], values: new Float32Array(2) }],
      'gradients[0].shape',
      /shape \[3\] holds 3 values, but values has 2/,
    ],
    [[null], 'gradients[0]', /got null, expected a tensor/],
    [{ w: { shape: [-1], values: new Float32Array(0) } }, 'gradients["w"].shape', /integers ≥ 0/],
    ['weights', 'gradients', /expected an array of tensors or a plain object/],
  ])('rejects malformed gradients %j naming %s', async (gradients, field, message) => {
    const error = await rejection(clip(gradients as never, { kind: 'globalNorm', maxNorm: 1 }));
    expect(error.code).toBe('INVALID_GRADIENTS');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('reports per-tensor norms when asked', async () => {
    const { report } = await clip(
      [host([3, 4]), host([12])],
      { kind: 'globalNorm', maxNorm: 100 },
      { perTensorNorms: true },
    );
    expect(report.perTensorNorms).toEqual([5, 12]);
    expect(report).toMatchObject({ normBefore: 13, normAfter: 13, scale: 1, clipped: false, skipped: false });
  });

  it('reports each chain step', async () => {
    const { report } = await clip([host([3, 4])], {
      kind: 'chain',
      steps: [
        { kind: 'value', min: -3, max: 3 },
        { kind: 'globalNorm', maxNorm: 1 },
      ],
    });
    expect(report.steps?.map((step) => step.kind)).toEqual(['value', 'globalNorm']);
    expect(report.normBefore).toBe(5);
    expect(report.normAfter).toBeCloseTo(1, 6);
  });

  it('validates the spec once, when the clipper is created', () => {
    expect(() => createClipper({ kind: 'globalNorm', maxNorm: -1 })).toThrow(ClipError);
  });
});

describe('clipSync', () => {
  it('gives the same bits and report as clip on a synchronous backend', async () => {
    const input = [host([3, 40, -2]), host([0.5, Number.NaN])];
    const spec = {
      kind: 'chain',
      nonFinite: 'zero',
      steps: [
        { kind: 'value', min: -5, max: 5 },
        { kind: 'globalNorm', maxNorm: 1 },
      ],
    } as const;
    const asynchronous = await clip(input, spec);
    const synchronous = clipSync(input, spec);
    expect(synchronous.report).toEqual(asynchronous.report);
    synchronous.gradients.forEach((tensor, i) => {
      expect(tensor.values).toEqual(asynchronous.gradients[i]?.values);
    });
  });

  it("throws a synchronous backend's errors synchronously", () => {
    expect(() => clipSync([host([Number.NaN])], { kind: 'globalNorm', maxNorm: 1 })).toThrow(
      /gradients\[0\]\[0\] is NaN/,
    );
  });

  it('refuses an asynchronous backend with a clear error', () => {
    const reference = createReferenceBackend();
    const asynchronous: ClipBackend<HostTensor> = {
      ...reference,
      id: 'async-one',
      scale: async (tensors, requests) => reference.scale(tensors, requests),
    };
    expect(() =>
      clipSync([host([3, 4])], { kind: 'globalNorm', maxNorm: 1 }, { backend: asynchronous }),
    ).toThrow(
      /backend "async-one" returned a Promise from a kernel, so it is asynchronous; use clip\(\) instead of clipSync\(\)/,
    );
  });
});

describe('intermediate tensors', () => {
  function countingBackend() {
    const reference = createReferenceBackend();
    const released: HostTensor[] = [];
    const backend: ClipBackend<HostTensor> = {
      ...reference,
      release: (tensors) => released.push(...tensors),
    };
    return { backend, released };
  }

  it('are released, while inputs and outputs never are', async () => {
    const { backend, released } = countingBackend();
    const inputs = [host([3, 40]), host([0.5])];
    const { gradients } = await clip(
      inputs,
      {
        kind: 'chain',
        steps: [
          { kind: 'value', min: -5, max: 5 },
          { kind: 'globalNorm', maxNorm: 1 },
        ],
      },
      { backend },
    );
    expect(released.length).toBe(1); // the value step's output for inputs[0]
    for (const tensor of [...inputs, ...gradients]) expect(released).not.toContain(tensor);
  });

  it('are released when a later step throws', async () => {
    const { backend, released } = countingBackend();
    const failing = [host([1, 40])];
    const broken: ClipBackend<HostTensor> = {
      ...backend,
      scale: () => Promise.reject(new Error('device lost')),
    };
    await expect(
      clip(
        failing,
        {
          kind: 'chain',
          steps: [
            { kind: 'value', min: -5, max: 5 },
            { kind: 'globalNorm', maxNorm: 1 },
          ],
        },
        { backend: broken },
      ),
    ).rejects.toThrow('device lost');
    expect(released.length).toBe(1);
    expect(released).not.toContain(failing[0]);
  });
});

describe('firstAvailable', () => {
  it('returns the first backend that starts', async () => {
    const backend = await firstAvailable([
      { name: 'broken', load: () => Promise.reject(new Error('no GPU')) },
      { name: 'reference', load: async () => createReferenceBackend() },
    ]);
    expect(backend.id).toBe('reference');
  });

  it('lists every reason when none starts', async () => {
    const error = await rejection(
      firstAvailable([
        { name: 'onnx', load: () => Promise.reject(new Error('binding missing')) },
        { name: 'gpujs', load: () => Promise.reject(new Error('no WebGL')) },
      ]),
    );
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toBe('No backend could start: [onnx] binding missing; [gpujs] no WebGL');
  });
});

describe('clip rejects, clipSync throws (issue 12)', () => {
  const good = () => [host([3, 4])];

  it('returns a rejected Promise for an invalid spec instead of throwing synchronously', async () => {
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = clip(good(), { kind: 'globalNorm', maxNorm: -1 });
    }).not.toThrow();
    const error = await rejection(promise as Promise<unknown>);
    expect([error.code, error.field]).toEqual(['INVALID_SPEC', 'spec.maxNorm']);
    // The repro: .catch sees it.
    const caught = await clip(good(), { kind: 'globalNorm', maxNorm: 1, p: 1200 }).catch((e) => e);
    expect(caught).toBeInstanceOf(ClipError);
  });

  it("rejects from a clipper's clip for bad gradients and bad call options", async () => {
    const clipper = createClipper({ kind: 'globalNorm', maxNorm: 1 });
    expect((await rejection(clipper.clip(null as never))).code).toBe('INVALID_GRADIENTS');
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = clipper.clip(good(), null as never);
    }).not.toThrow();
    expect((await rejection(promise as Promise<unknown>)).field).toBe('callOptions');
  });

  it('clipSync still throws synchronously', () => {
    expect(() => clipSync(good(), { kind: 'globalNorm', maxNorm: -1 })).toThrow(ClipError);
    expect(() => clipSync(good(), { kind: 'globalNorm', maxNorm: 1 }, null as never)).toThrow(ClipError);
  });

  it('names null options and a wrongly typed perTensorNorms', async () => {
    const spec = { kind: 'globalNorm', maxNorm: 1 } as const;
    const nullOptions = await rejection(clip(good(), spec, null as never));
    expect([nullOptions.code, nullOptions.field]).toEqual(['INVALID_SPEC', 'options']);
    const flag = await rejection(clip(good(), spec, { perTensorNorms: 'yes' as never }));
    expect(flag.field).toBe('options.perTensorNorms');
  });

  it('refuses an incomplete backend with BACKEND_CONTRACT naming the missing member', async () => {
    const spec = { kind: 'globalNorm', maxNorm: 1 } as const;
    const empty = await rejection(clip(good(), spec, { backend: {} as never }));
    expect([empty.code, empty.field]).toEqual(['BACKEND_CONTRACT', 'options.backend.shapeOf']);
    const notObject = await rejection(clip(good(), spec, { backend: 42 as never }));
    expect([notObject.code, notObject.field]).toEqual(['BACKEND_CONTRACT', 'options.backend']);
    expect(() =>
      createClipper(spec, { backend: { ...createReferenceBackend(), clamp: 1 } as never }),
    ).toThrow(/options\.backend\.clamp: got 1, expected a function/);
  });
});
