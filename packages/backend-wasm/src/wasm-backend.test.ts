import { ClipError, clipSync } from '@gradclip/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from './index.js';

describe('createWasmBackend', () => {
  let backend: WasmBackend;
  beforeAll(async () => {
    backend = await createWasmBackend({ threads: 2, parallelThreshold: 0 });
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('rejects invalid options with a ClipError naming the option', async () => {
    await expect(createWasmBackend({ threads: 0 })).rejects.toMatchObject({
      code: 'INVALID_SPEC',
      field: 'options.threads',
      value: 0,
    });
  });

  it('runs synchronously (clipSync) on two threads', () => {
    const tensor = backend.fromHost(new Float32Array([3, 4]), [2]);
    const { gradients, report } = clipSync([tensor], { kind: 'globalNorm', maxNorm: 1 }, { backend });
    expect(report.normBefore).toBe(5);
    expect([...(gradients[0]?.values ?? [])]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    backend.release([tensor, ...gradients]);
  });

  it('createTensor gives a zeroed tensor to fill in place, with no copy in', () => {
    const tensor = backend.createTensor([2, 3], 'w');
    expect([...tensor.values]).toEqual([0, 0, 0, 0, 0, 0]);
    tensor.values.set([1, 2, 3, 4, 5, 6]);
    expect(backend.shapeOf(tensor, 'w')).toEqual([2, 3]);
    expect(backend.nameOf?.(tensor)).toBe('w');
    backend.release([tensor]);
  });

  it('reuses released memory for the next tensor of the same size', () => {
    const first = backend.fromHost(new Float32Array(1000), [1000]);
    const offset = first.values.byteOffset;
    backend.release([first]);
    const second = backend.fromHost(new Float32Array(1000), [1000]);
    expect(second.values.byteOffset).toBe(offset);
    backend.release([second]);
  });

  it('in place, release still frees what the caller made, and clipping never frees an input', () => {
    const { inPlace } = backend;
    const input = inPlace.fromHost(new Float32Array([30, 40]), [2]) as ReturnType<typeof backend.fromHost>;
    const { gradients } = clipSync([input], { kind: 'globalNorm', maxNorm: 1 }, { backend: inPlace });
    expect(gradients[0]).toBe(input);
    expect(Array.from(input.values)).toEqual([
      Math.fround(30 * Math.fround(1 / 50)),
      Math.fround(40 * Math.fround(1 / 50)),
    ]);
    const offset = input.values.byteOffset;
    inPlace.release([input]);
    const next = backend.fromHost(new Float32Array(2), [2]);
    expect(next.values.byteOffset).toBe(offset);
    backend.release([next]);
  });

  it('refuses foreign and released tensors with INVALID_GRADIENTS naming the field', () => {
    const foreign = { shape: [1], values: new Float32Array(1) };
    expect(() => backend.shapeOf(foreign, 'gradients["w"]')).toThrow(ClipError);
    const tensor = backend.fromHost(new Float32Array(1), [1]);
    backend.release([tensor]);
    try {
      backend.shapeOf(tensor, 'gradients["w"]');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_GRADIENTS', field: 'gradients["w"]' });
    }
  });

  it('refuses every call after dispose with BACKEND_UNAVAILABLE', async () => {
    const own = await createWasmBackend({ threads: 1 });
    const tensor = own.fromHost(new Float32Array([3, 4]), [2]);
    await own.dispose();
    const spec = { kind: 'globalNorm', maxNorm: 1 } as const;
    for (const target of [own, own.inPlace]) {
      expect(() => clipSync([tensor], spec, { backend: target })).toThrow(
        expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', field: 'backend' }),
      );
    }
    expect(() => own.fromHost(new Float32Array(1), [1])).toThrow(
      expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }),
    );
    expect(() => own.toHost(tensor)).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }));
  });

  it('fromHost checks the value count against the shape', () => {
    expect(() => backend.fromHost(new Float32Array(3), [2, 2])).toThrow(
      /expected a Float32Array of 4 values/,
    );
  });

  // Issue 12 #5: replacing `values` gave norm 0 (no clipping); pushing onto `shape` made outputs
  // read leftover memory. The public fields are frozen and the kernels read their own record.
  it('tensors cannot be edited into wrong results through their public fields', () => {
    const tensor = backend.fromHost(new Float32Array([300, 400]), [2]);
    expect(Object.isFrozen(tensor)).toBe(true);
    expect(Object.isFrozen(tensor.shape)).toBe(true);
    expect(() => {
      (tensor as { values: Float32Array }).values = new Float32Array(2);
    }).toThrow(TypeError);
    expect(() => (tensor.shape as number[]).push(2)).toThrow(TypeError);
    const { gradients, report } = clipSync([tensor], { kind: 'globalNorm', maxNorm: 1 }, { backend });
    expect(report.normBefore).toBe(500);
    expect(gradients[0]?.shape).toEqual([2]);
    expect(Array.from(gradients[0]?.values ?? [])).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    // The values themselves stay writable: that is how createTensor hands gradients over.
    tensor.values[0] = 3;
    expect(tensor.values[0]).toBe(3);
    backend.release([tensor, ...gradients]);
  });

  it('in place, a tensor listed twice (tied weights) counts twice in the norm and is scaled once', () => {
    const { inPlace } = backend;
    const tied = backend.fromHost(new Float32Array([3, 4]), [2]);
    const { gradients, report } = clipSync(
      [tied, tied],
      { kind: 'globalNorm', maxNorm: 1 },
      { backend: inPlace },
    );
    // The oracle's answer for the list [[3, 4], [3, 4]]: norm √50, each scaled once.
    const oracle = clipSync(
      [
        { shape: [2], values: new Float32Array([3, 4]) },
        { shape: [2], values: new Float32Array([3, 4]) },
      ],
      { kind: 'globalNorm', maxNorm: 1 },
    );
    expect(report.normBefore).toBe(oracle.report.normBefore);
    expect(gradients).toEqual([tied, tied]);
    expect(Array.from(tied.values)).toEqual(Array.from(oracle.gradients[0]?.values ?? []));
    expect(tied.values[0]).toBeCloseTo(0.424, 3);
    backend.release([tied]);
  });

  it('in place, tied weights are clamped once and chains stay right', () => {
    const { inPlace } = backend;
    const tied = backend.fromHost(new Float32Array([30, -40, 0.5]), [3]);
    const spec = {
      kind: 'chain',
      steps: [
        { kind: 'value', min: -10, max: 10 },
        { kind: 'norm', maxNorm: 1 },
      ],
    } as const;
    const { gradients } = clipSync([tied, tied], spec, { backend: inPlace });
    const host = { shape: [3], values: new Float32Array([30, -40, 0.5]) };
    const oracle = clipSync([host, host], spec);
    expect(gradients[0]).toBe(tied);
    expect(Array.from(tied.values)).toEqual(Array.from(oracle.gradients[0]?.values ?? []));
    backend.release([tied]);
  });
});
