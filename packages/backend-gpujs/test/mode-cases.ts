import type { GpujsBackendOptions } from '../src/index.js';

/** Every mode the tests run, with the gpu.js kernel class each must actually run on. */
export const MODE_CASES: readonly {
  label: string;
  options: GpujsBackendOptions;
  kernelClass: string;
  /** The type of the mode's pipeline outputs, when they stay on the device. */
  deviceType?: string;
}[] = [
  { label: 'gpujs:cpu', options: { mode: 'cpu' }, kernelClass: 'CPUKernel' },
  { label: 'gpujs:webasm', options: { mode: 'webasm' }, kernelClass: 'WebAssemblyKernel' },
  {
    label: 'gpujs:webasm-threaded',
    options: { mode: 'webasm', threads: true },
    kernelClass: 'WebAssemblyKernel',
  },
  {
    label: 'gpujs:webgpu',
    options: { mode: 'webgpu' },
    kernelClass: 'WebGPUKernel',
    deviceType: 'WebGPUBuffer',
  },
  {
    label: 'gpujs:headlessgl',
    options: { mode: 'headlessgl' },
    kernelClass: 'HeadlessGLKernel',
    deviceType: 'ArrayTexture(1)',
  },
];
