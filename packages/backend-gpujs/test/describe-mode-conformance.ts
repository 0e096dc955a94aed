import { describeConformance } from '@gradclip/core/conformance/vitest';
import { describe, expect, it } from 'vitest';
import { createGpujsBackend, type GpujsBackend } from '../src/index.js';
import { describeDeviceResidency } from './describe-device-residency.js';
import { describeModeLimits } from './describe-mode-limits.js';
import { MODE_CASES } from './mode-cases.js';

/**
 * The conformance kit on one mode. Every kernel run inside the backend checks the gpu.js kernel
 * class that ran and throws on a fallback, so a passing case ran on that class; the extra test
 * states the class and the id outright. Then the mode's limits (sizes, long lists, compile once).
 * One file per mode: webgpu (Dawn on EGL) and headlessgl (ANGLE on GLX) abort if one process
 * starts both.
 */
export function describeMode(label: string): void {
  const mode = MODE_CASES.find((entry) => entry.label === label);
  if (mode === undefined) throw new Error(`no mode case "${label}"`);
  let backend: GpujsBackend | undefined;
  describeConformance({
    label,
    create: async () => {
      backend = await createGpujsBackend(mode.options);
      return backend;
    },
  });
  describe(`${label} engine`, () => {
    it(`ran the kit on ${mode.kernelClass}`, async () => {
      const started = await createGpujsBackend(mode.options);
      try {
        expect(started.id).toBe(label);
        expect(started.kernelClass).toBe(mode.kernelClass);
        const [clamped] = await started.clamp([{ shape: [3], values: new Float32Array([-2, 0.5, 2]) }], {
          min: -1,
          max: 1,
        });
        expect(Array.from(clamped === undefined ? [] : await started.toHost(clamped))).toEqual([-1, 0.5, 1]);
        expect(started.compiledKernels).toBeGreaterThan(0);
      } finally {
        await started.dispose();
      }
      // The kit's backend, after all its cases (its describe block ran first).
      expect(backend?.kernelClass).toBe(mode.kernelClass);
      // Threads engage only for kernels of 4096+ output cells; the kit's large cases have them.
      if (mode.options.threads === true) expect(backend?.threadedRuns).toBeGreaterThan(0);
    });
  });
  describeModeLimits(label, mode.options);
  if (mode.deviceType !== undefined) {
    // The kit again with every input uploaded to the device (a pipeline kernel's texture or buffer).
    describeConformance({
      label: `${label} device tensors`,
      create: () => createGpujsBackend({ ...mode.options, residency: 'device' }),
    });
    describeDeviceResidency(label, mode.options, mode.deviceType);
  }
}
