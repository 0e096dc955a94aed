import { ClipError } from '@gradclip/core';
import { summarizeValues } from '@gradclip/core/reference';
import { describe, expect, it } from 'vitest';
import { createGpujsBackend, type GpujsMode } from './index.js';

describe('createGpujsBackend options', () => {
  it('rejects a mode that is not one of the four, naming the field', async () => {
    const error = await createGpujsBackend({ mode: 'gpu' as GpujsMode }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClipError);
    expect(error).toMatchObject({ code: 'INVALID_SPEC', field: 'mode', value: 'gpu' });
  });

  it('rejects threads outside webasm', async () => {
    const error = await createGpujsBackend({ mode: 'cpu', threads: true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INVALID_SPEC', field: 'threads', value: true });
  });

  it('has no device tensors in cpu (pipeline outputs are Float32Arrays), naming the field', async () => {
    const refused = await createGpujsBackend({ mode: 'cpu', residency: 'device' }).catch(
      (caught: unknown) => caught,
    );
    expect(refused).toMatchObject({ code: 'INVALID_SPEC', field: 'residency', value: 'device' });
    const backend = await createGpujsBackend({ mode: 'cpu' });
    try {
      const fake = { type: 'ArrayTexture(1)', output: [2], toArray: () => [], delete: () => {} };
      expect(() => backend.shapeOf({ shape: [2], device: fake }, 'gradients[0]')).toThrow(
        expect.objectContaining({
          code: 'INVALID_GRADIENTS',
          field: 'gradients[0]',
          value: 'ArrayTexture(1)',
        }),
      );
      const [host] = await backend.clamp([{ shape: [2], values: new Float32Array([5, -5]) }], {
        min: -1,
        max: 1,
      });
      expect(host !== undefined && 'values' in host).toBe(true);
    } finally {
      await backend.dispose();
    }
  });

  it("summarises general orders p on the host with the oracle's loop, bit for bit", async () => {
    const backend = await createGpujsBackend({ mode: 'cpu' });
    try {
      const values = new Float32Array([1, -2, 3.5, 1e-3, 7e20]);
      const request = {
        p: 3,
        exponent: 0,
        layouts: [{ shape: [5], axes: null, sliceCount: 1, size: 5 }],
      };
      const [summary] = await backend.summarize([{ shape: [5], values }], request);
      expect(summary).toEqual(summarizeValues(values, request, 0));
      expect(backend.manifest.capabilities).toContain('generalP');
    } finally {
      await backend.dispose();
    }
  });
});
