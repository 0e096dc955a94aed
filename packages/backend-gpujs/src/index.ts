/**
 * @gradclip/backend-gpujs: gradient clipping with gpu.js kernels, bit-identical to the float64
 * oracle, in the mode you ask for (`cpu`, `webasm`, `webgpu`, `headlessgl`). Nothing registers on
 * import; `createGpujsBackend({ mode })` starts a backend.
 */
export {
  createGpujsBackend,
  type GpujsBackend,
  type GpujsBackendOptions,
  type GpujsTensor,
} from './gpujs-backend.js';
export { GPUJS_MODES, type GpujsMode, KERNEL_CLASS_OF_MODE } from './gpujs-mode.js';
export type { WebgpuSetupOptions } from './webgpu-navigator.js';
