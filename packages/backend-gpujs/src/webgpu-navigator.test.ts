import { describe, expect, it } from 'vitest';
import { createGpujsBackend } from './index.js';

describe('webgpu set-up', () => {
  it('installs navigator.gpu and EGL_PLATFORM only while starting, and runs on WebGPUKernel', async () => {
    const navigatorBefore = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const eglBefore = process.env.EGL_PLATFORM;
    const backend = await createGpujsBackend({ mode: 'webgpu' });
    try {
      expect(Object.getOwnPropertyDescriptor(globalThis, 'navigator')).toEqual(navigatorBefore);
      expect(process.env.EGL_PLATFORM).toBe(eglBefore);
      // Kernels compiled after the shim is gone use gpu.js's cached device.
      const [clamped] = await backend.clamp([{ shape: [2], values: new Float32Array([5, -5]) }], {
        min: -1,
        max: 1,
      });
      expect(Array.from(clamped === undefined ? [] : await backend.toHost(clamped))).toEqual([1, -1]);
      expect(backend.kernelClass).toBe('WebGPUKernel');
      expect(backend.flushesSubnormals).toBe(false);
    } finally {
      await backend.dispose();
    }
  });
});
