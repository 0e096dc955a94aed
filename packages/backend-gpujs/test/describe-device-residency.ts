import { ClipError, clip, type HostTensor } from '@gradclip/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGpujsBackend,
  type GpujsBackend,
  type GpujsBackendOptions,
  type GpujsDeviceData,
  type GpujsDeviceTensor,
  type GpujsTensor,
  KERNEL_CLASS_OF_MODE,
} from '../src/index.js';
import { expectOracleBits, sampleValues } from './oracle-comparison.js';

/** A 2^20-element tensor: its chunk rows (9 floats per 1024 elements) are under 1% of it. */
const LARGE = 2 ** 20;

/**
 * Device-resident tensors of one mode (webgpu, headlessgl): the user's own pipeline outputs are
 * accepted, results stay on the device, and only per-chunk partial results come back to the host.
 */
export function describeDeviceResidency(
  label: string,
  options: GpujsBackendOptions,
  deviceType: string,
): void {
  describe(`${label}: device-resident tensors`, () => {
    let backend: GpujsBackend | undefined;
    const started = () => {
      if (backend === undefined) throw new Error(`${label} did not start`);
      return backend;
    };
    beforeAll(async () => {
      backend = await createGpujsBackend({ ...options, residency: 'device' });
    });
    afterAll(async () => {
      await backend?.dispose();
    });

    /** A pipeline output of the user's own kernel on the backend's GPU, as a training step makes. */
    const userTensor = async (values: Float32Array, shape: readonly number[]): Promise<GpujsDeviceTensor> => {
      const kernel = started().gpu.createKernel(
        function (this: { thread: { x: number } }, v: Float32Array) {
          return v[this.thread.x] as number;
        },
        { output: [values.length], pipeline: true, precision: 'single' },
      );
      const device = (await kernel(values)) as unknown as GpujsDeviceData;
      return { shape, device };
    };

    it('keeps results on the device and never reads a whole tensor back', async () => {
      const values = sampleValues(LARGE, 11);
      const input = await userTensor(values, [LARGE]);
      expect(input.device.type).toBe(deviceType);
      // Counts whole-tensor reads of the input; the backend must only read per-chunk rows.
      let inputReads = 0;
      const read = input.device.toArray.bind(input.device);
      Object.assign(input.device, {
        toArray: () => {
          inputReads++;
          return read();
        },
      });
      const before = started().hostFloatsRead;
      const clipped = await clip([input], { kind: 'globalNorm', maxNorm: 1 }, { backend: started() });
      const bounded = await clip([input], { kind: 'value', min: -0.5, max: 0.5 }, { backend: started() });
      const readBack = started().hostFloatsRead - before;
      expect(inputReads).toBe(0);
      // Each summary reads 9 rows (statistics, float-float sums) of 1024 chunk slots; the two
      // clips summarize three times (the value clip's report has norms too).
      expect(readBack % (9 * 1024)).toBe(0);
      expect(readBack).toBeLessThanOrEqual(3 * 9 * 1024);
      expect(readBack / 3).toBeLessThan(LARGE / 100);
      for (const output of [clipped.gradients[0], bounded.gradients[0]] as GpujsTensor[]) {
        expect('device' in output && output.device.type).toBe(deviceType);
      }
      expect(clipped.report.scale).not.toBeNull();
      // Every run checks the class; a fallback would have thrown BACKEND_CONTRACT.
      expect(started().kernelClass).toBe(KERNEL_CLASS_OF_MODE[options.mode]);
      expect(started().residency).toBe('device');
      // Chains on the device: a clipped output is a valid input again, then read back once.
      const again = await clip(
        clipped.gradients,
        { kind: 'value', min: -0.001, max: 0.001 },
        {
          backend: started(),
        },
      );
      const host = await started().toHost(again.gradients[0] as GpujsTensor);
      expect(host.length).toBe(LARGE);
      expect(inputReads).toBe(0);
      // The oracle's bits, from the same values on the device.
      await expectOracleBits(started(), [{ shape: [LARGE], values }], { kind: 'globalNorm', maxNorm: 1 });
    });

    it("releases only the backend's own outputs, never the caller's pipeline output", async () => {
      const input = await userTensor(new Float32Array([3, 4, -12]), [3]);
      const [scaled] = await started().clamp([input], { min: -1, max: 1 });
      const output = scaled as GpujsDeviceTensor;
      started().release([input, output]);
      expect((input.device as unknown as { _deleted: boolean })._deleted).toBe(false);
      expect((output.device as unknown as { _deleted: boolean })._deleted).toBe(true);
      expect(Array.from(await started().toHost(input))).toEqual([3, 4, -12]);
    });

    it('clips a 2-D pipeline output and per-slice norms (gathered on the device) like the oracle', async () => {
      const values = sampleValues(6 * 500, 5);
      const kernel = started().gpu.createKernel(
        function (this: { thread: { x: number; y: number } }, v: Float32Array) {
          return v[this.thread.y * 500 + this.thread.x] as number;
        },
        { output: [500, 6], pipeline: true, precision: 'single' },
      );
      const device = (await kernel(values)) as unknown as GpujsDeviceData;
      const tensor: GpujsDeviceTensor = { shape: [6, 500], device };
      expect(Array.from(await started().toHost(tensor))).toEqual(Array.from(values));
      const reference = await clip([{ shape: [6, 500], values }], { kind: 'norm', maxNorm: 1, axes: [1] });
      const result = await clip([tensor], { kind: 'norm', maxNorm: 1, axes: [1] }, { backend: started() });
      expect(Array.from(await started().toHost(result.gradients[0] as GpujsTensor))).toEqual(
        Array.from(reference.gradients[0]?.values ?? []),
      );
      const many: HostTensor[] = Array.from({ length: 40 }, (_, i) => ({
        shape: [i + 1, 3],
        values: sampleValues(3 * (i + 1), 100 + i, i === 7 ? 1e20 : 1),
      }));
      await expectOracleBits(started(), many, { kind: 'norm', maxNorm: 1, axes: [0] });
      await expectOracleBits(started(), many, { kind: 'globalNorm', maxNorm: 2 });
    });

    it('compiles its device kernels once, whatever the sizes', async () => {
      const round = async (sizes: readonly number[], seed: number) => {
        const tensors = await Promise.all(
          sizes.map((size, i) => userTensor(sampleValues(size, seed + i), [size])),
        );
        const clipped = await clip(tensors, { kind: 'globalNorm', maxNorm: 0.5 }, { backend: started() });
        const bounded = await clip(tensors, { kind: 'value', min: -0.1, max: 0.1 }, { backend: started() });
        started().release([...clipped.gradients, ...bounded.gradients]);
      };
      await round([300, 700], 1);
      const afterFirst = started().compiledKernels;
      await round([1000, 5000], 3);
      await round([4000], 5);
      expect(started().compiledKernels).toBe(afterFirst);
    });

    it('rejects a device tensor whose size disagrees with its shape, naming the field', async () => {
      const input = await userTensor(new Float32Array([1, 2, 3]), [4]);
      const error = await clip([input], { kind: 'globalNorm', maxNorm: 1 }, { backend: started() }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ClipError);
      expect(error).toMatchObject({ code: 'INVALID_GRADIENTS', value: 3 });
    });
  });
}
