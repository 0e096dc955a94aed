import { ClipError, clip } from '@gradclip/core';
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

  it('states an error bound with its float-float sums that contains the exact sum', async () => {
    const backend = await createGpujsBackend({ mode: 'cpu' });
    try {
      const values = new Float32Array(5000).map((_, i) => Math.fround(Math.sin(i) * 1e3 + 1e-3 * i));
      const layouts = [{ shape: [5000], axes: null, sliceCount: 1, size: 5000 }];
      const summarize = backend.summarize?.bind(backend);
      if (summarize === undefined) throw new Error('gpujs has a summarize kernel');
      const [summary] = await summarize([{ shape: [5000], values }], { p: 2, layouts });
      const exact = summarizeValues(values, { p: 2, layouts }, 0).sums[0] as number;
      const error = summary?.sumErrors?.[0] as number;
      expect(error).toBeGreaterThan(0);
      expect(Math.abs((summary?.sums[0] as number) - exact)).toBeLessThanOrEqual(error);
    } finally {
      await backend.dispose();
    }
  });
});

describe('tensors handed out (issue 12 #8)', () => {
  it('a clipped tensor has its own shape: editing one never changes the other', async () => {
    const backend = await createGpujsBackend({ mode: 'cpu' });
    try {
      const input = { shape: [2], values: new Float32Array([30, 40]) };
      const { gradients } = await clip([input], { kind: 'globalNorm', maxNorm: 1 }, { backend });
      const output = gradients[0] as { shape: readonly number[] };
      expect(output.shape).toEqual([2]);
      expect(output.shape).not.toBe(input.shape);
      input.shape.push(1);
      expect(output.shape).toEqual([2]);
      expect(Object.isFrozen(output.shape)).toBe(true);
      const made = (await backend.fromHost(new Float32Array(2), [2])) as { shape: readonly number[] };
      expect(Object.isFrozen(made) && Object.isFrozen(made.shape)).toBe(true);
    } finally {
      await backend.dispose();
    }
  });
});

// Memory stays flat however the sizes vary: kernels are cached per size class, not per size.
describe('random-size soak (cpu mode)', () => {
  it('keeps compiled kernels and RSS bounded over hundreds of random sizes', async () => {
    const backend = await createGpujsBackend({ mode: 'cpu' });
    try {
      let seed = 5;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const host = new Float32Array(2 ** 16).map((_, i) => Math.cos(i) * 50);
      const specs = [
        { kind: 'globalNorm', maxNorm: 1 },
        { kind: 'value', min: -1, max: 1 },
      ] as const;
      let warm = { rss: 0, kernels: 0 };
      const steps = 300;
      for (let step = 0; step < steps; step++) {
        const floats = Math.ceil(2 ** (random() * 16));
        const input = { shape: [floats], values: host.slice(0, floats) };
        const { gradients } = await clip([input], specs[step % 2] as (typeof specs)[number], { backend });
        backend.release(gradients.filter((g) => g !== input));
        if (step === 100) warm = { rss: process.memoryUsage().rss, kernels: backend.compiledKernels };
      }
      const rss = process.memoryUsage().rss;
      console.info(
        `gpujs cpu, ${steps} clips: RSS ${(warm.rss / 2 ** 20).toFixed(0)} → ${(rss / 2 ** 20).toFixed(0)} MiB, kernels ${warm.kernels} → ${backend.compiledKernels}`,
      );
      expect(backend.compiledKernels).toBeLessThanOrEqual(warm.kernels + 8);
      expect(rss - warm.rss).toBeLessThan(128 * 2 ** 20);
    } finally {
      await backend.dispose();
    }
  });
});
