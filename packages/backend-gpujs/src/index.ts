/**
 * @gradclip/backend-gpujs: gradient clipping with gpu.js kernels, bit-identical to the float64
 * oracle, in the mode you ask for (`cpu`, `webasm`, `webgpu`, `headlessgl`). Nothing registers on
 * import; `createGpujsBackend({ mode })` starts a backend.
 */

export {
  DEVICE_ELEMENT_LIMIT,
  DEVICE_TYPE_OF_MODE,
  type GpujsDeviceData,
  type GpujsDeviceTensor,
  type GpujsTensor,
} from './device-tensor.js';
export {
  createGpujsBackend,
  type GpujsBackend,
  type GpujsBackendOptions,
} from './gpujs-backend.js';
export { GPUJS_MODES, type GpujsMode, KERNEL_CLASS_OF_MODE } from './gpujs-mode.js';
export type { WebgpuSetupOptions } from './webgpu-navigator.js';
