/**
 * @gradclip/backend-tfjs: gradient clipping for TensorFlow.js. Kernels over `tf.Tensor`,
 * bit-identical to the gradclip oracle on the cpu and wasm backends, and `withClipping`, a
 * `tf.Optimizer` that clips like Keras's `clipnorm` / `clipvalue` / `global_clipnorm`.
 * Nothing registers on import.
 */

export {
  CLIPPING_OPTIMIZER_CLASS_NAME,
  type ClippingOptimizer,
  type ClippingOptimizerClass,
  type ClippingOptimizerOptions,
  registerClippingOptimizer,
  type WithClippingOptions,
  withClipping,
} from './clipping-optimizer.js';
export { type ClippingSetting, resolveClipping } from './clipping-settings.js';
export {
  type KerasImportOptions,
  type KerasOptimizerConfig,
  optimizerFromKerasConfig,
  restoreKerasClipping,
  withKerasClipping,
} from './keras-optimizer-config.js';
export {
  buildTfjsBackend,
  createTfjsBackend,
  type TfjsBackend,
  type TfjsBackendOptions,
} from './tfjs-backend.js';
export type { Readback } from './tfjs-kernels.js';
export { tfjsManifest } from './tfjs-manifest.js';
export type { TfjsModule } from './tfjs-module.js';
