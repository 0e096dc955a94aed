import { clip, type HostTensor } from '@gradclip/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpujsBackend, type GpujsBackend, type GpujsBackendOptions } from '../src/index.js';
import { expectOracleBits, sampleValues } from './oracle-comparison.js';

/** Sizes around the chunk (1024) and batch (2^22) boundaries. */
const SIZES = [1, 2, 1023, 1024, 1025, 4097, 2 ** 22 - 1, 2 ** 22 + 1];

/** Limits of one mode, against the oracle: sizes, long tensor lists, compile-once, past 2^25. */
export function describeModeLimits(label: string, options: GpujsBackendOptions): void {
  describe(`${label}: sizes, many tensors, compile once`, () => {
    let backend: GpujsBackend | undefined;
    const started = () => {
      if (backend === undefined) throw new Error(`${label} did not start`);
      return backend;
    };
    beforeAll(async () => {
      backend = await createGpujsBackend(options);
    });
    afterAll(async () => {
      await backend?.dispose();
    });

    it('clips sizes from 1 to past one batch (2^22) like the oracle', async () => {
      const tensors: HostTensor[] = SIZES.map((size, i) => ({
        shape: [size],
        values: sampleValues(size, i + 1),
      }));
      await expectOracleBits(started(), tensors, { kind: 'globalNorm', maxNorm: 1 });
      await expectOracleBits(started(), tensors, { kind: 'norm', maxNorm: 3, p: 1 });
      await expectOracleBits(started(), tensors, { kind: 'value', min: -0.5, max: 0.25 });
    });

    it('clips 40 tensors in one call (past headlessgl 32 array arguments, webgpu 7)', async () => {
      const tensors: HostTensor[] = Array.from({ length: 40 }, (_, i) => ({
        shape: [i + 1, 3],
        values: sampleValues(3 * (i + 1), 100 + i, i === 7 ? 1e20 : 1),
      }));
      await expectOracleBits(started(), tensors, { kind: 'globalNorm', maxNorm: 2 });
      await expectOracleBits(started(), tensors, { kind: 'norm', maxNorm: 1, axes: [0] });
      await expectOracleBits(started(), tensors, { kind: 'globalNorm', maxNorm: 1, p: 'inf' });
    });

    it('compiles each kernel once per shape class, never per call', async () => {
      const round = async (sizes: readonly number[], seed: number) => {
        const tensors = sizes.map((size, i) => ({ shape: [size], values: sampleValues(size, seed + i) }));
        await clip(tensors, { kind: 'globalNorm', maxNorm: 0.5 }, { backend: started() });
        await clip(tensors, { kind: 'value', min: -0.1, max: 0.1 }, { backend: started() });
      };
      await round([300, 500], 1);
      const afterFirst = started().compiledKernels;
      expect(afterFirst).toBeGreaterThan(0);
      // Other sizes and values in the same size classes: no new kernel.
      await round([700, 100], 2);
      await round([1000], 3);
      await round([300, 500], 4);
      expect(started().compiledKernels).toBe(afterFirst);
    });

    it('clips one tensor of 2^25 + 3 elements (past webgpu 33,554,432 floats per buffer)', async () => {
      const size = 2 ** 25 + 3;
      const tensors: HostTensor[] = [{ shape: [size], values: sampleValues(size, 7) }];
      await expectOracleBits(started(), tensors, { kind: 'globalNorm', maxNorm: 10 });
    });
  });
}
