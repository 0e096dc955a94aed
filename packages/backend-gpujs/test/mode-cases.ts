import type { GpujsBackendOptions } from '../src/index.js';

/** Every mode the tests run, with the gpu.js kernel class each must actually run on. */
export const MODE_CASES: readonly { label: string; options: GpujsBackendOptions; kernelClass: string }[] = [
  { label: 'gpujs:cpu', options: { mode: 'cpu' }, kernelClass: 'CPUKernel' },
  { label: 'gpujs:webasm', options: { mode: 'webasm' }, kernelClass: 'WebAssemblyKernel' },
  {
    label: 'gpujs:webasm-threaded',
    options: { mode: 'webasm', threads: true },
    kernelClass: 'WebAssemblyKernel',
  },
  { label: 'gpujs:webgpu', options: { mode: 'webgpu' }, kernelClass: 'WebGPUKernel' },
  { label: 'gpujs:headlessgl', options: { mode: 'headlessgl' }, kernelClass: 'HeadlessGLKernel' },
];
