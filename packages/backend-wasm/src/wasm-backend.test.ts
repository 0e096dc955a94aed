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

  it('fromHost checks the value count against the shape', () => {
    expect(() => backend.fromHost(new Float32Array(3), [2, 2])).toThrow(
      /expected a Float32Array of 4 values/,
    );
  });
});
