import { describe, expect, it } from 'vitest';
import { clipErrorOf } from './clip-error-of.test-support.js';
import { clip } from './clipper.js';
import { ClipError } from './errors.js';
import { unpackGradients } from './gradient-container.js';
import type { HostTensor } from './reference/host-tensor.js';
import { createReferenceBackend } from './reference/reference-backend.js';

const host = (values: number[]): HostTensor => ({ shape: [values.length], values: new Float32Array(values) });
const backend = createReferenceBackend();

describe('unpackGradients (issue 12)', () => {
  it('refuses a Map (it used to clip nothing and return {}), suggesting Object.fromEntries', async () => {
    const map = new Map([['w', host([300, 400])]]);
    const error = clipErrorOf(() => unpackGradients(map as never, backend));
    expect(error.code).toBe('INVALID_GRADIENTS');
    expect(error.field).toBe('gradients');
    expect(error.message).toMatch(/got a Map, expected .*Object\.fromEntries\(map\)/);
    await expect(clip(map as never, { kind: 'globalNorm', maxNorm: 1 })).rejects.toThrow(ClipError);
  });

  it('refuses other non-plain containers and a bare tensor, naming what they are', () => {
    class Holder {
      w = host([1]);
    }
    expect(clipErrorOf(() => unpackGradients(new Holder() as never, backend)).message).toMatch(
      /got a Holder/,
    );
    expect(clipErrorOf(() => unpackGradients(new Set([host([1])]) as never, backend)).message).toMatch(
      /got a Set/,
    );
    expect(clipErrorOf(() => unpackGradients(new Float32Array(2) as never, backend)).code).toBe(
      'INVALID_GRADIENTS',
    );
    expect(clipErrorOf(() => unpackGradients(host([1, 2]) as never, backend)).message).toMatch(
      /got a single tensor, .*wrap it in a list: \[tensor\]/,
    );
  });

  it('accepts a null-prototype map', () => {
    const map = Object.assign(Object.create(null), { w: host([1]) });
    expect(unpackGradients(map, backend).entries.map((entry) => entry.name)).toEqual(['w']);
  });

  it('names a hole in a sparse list instead of failing with a TypeError later', async () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the test
    const sparse = [, host([1])] as HostTensor[];
    const error = clipErrorOf(() => unpackGradients(sparse, backend));
    expect([error.code, error.field]).toEqual(['INVALID_GRADIENTS', 'gradients[0]']);
    expect(error.message).toMatch(/a hole in a sparse array/);
    await expect(clip(sparse, { kind: 'globalNorm', maxNorm: 1 })).rejects.toBeInstanceOf(ClipError);
  });

  it("turns a backend's untyped shapeOf failure into INVALID_GRADIENTS with the cause", () => {
    const throwing = {
      ...backend,
      shapeOf: () => {
        throw new TypeError("Cannot read properties of null (reading 'constructor')");
      },
    };
    const error = clipErrorOf(() => unpackGradients([{ shape: [1], values: new Float32Array(1) }], throwing));
    expect([error.code, error.field]).toEqual(['INVALID_GRADIENTS', 'gradients[0]']);
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});
