import type { ClipBackend } from '@gradclip/core';
import type { BackendManifest } from '@gradclip/core/backend';
import { checkTensor } from './tensor-check.js';
import { createTfjsKernels, type HeapSummarizerFactory, type Readback } from './tfjs-kernels.js';
import { tfjsManifest } from './tfjs-manifest.js';
import type { Tensor, TfjsModule } from './tfjs-module.js';

export interface TfjsBackendOptions {
  /**
   * The TensorFlow.js module, e.g. `import * as tf from '@tensorflow/tfjs'`. Pick the TF.js
   * backend yourself (`await tf.setBackend('wasm')`); this package never changes it.
   */
  readonly tf: TfjsModule;
  /**
   * How norms read gradients to the host: `'sync'` (default; `dataSync`, needed by `clipSync`
   * and the optimizer wrapper) or `'async'` (`data()`, for WebGPU pages that must not block).
   */
  readonly readback?: Readback;
  /**
   * On TF.js's `wasm` backend, norms summed by a SIMD kernel inside TF.js's own heap (no copy, no
   * JavaScript loop): pass `foreignSummarizer` from `@gradclip/backend-wasm`. Elsewhere, or
   * without it, gradients are summed on the host in JavaScript. Same bounds, same decisions.
   */
  readonly heapSummarizer?: HeapSummarizerFactory;
}

/** A gradclip backend over `tf.Tensor`; `id` and `manifest` follow the current TF.js backend. */
export interface TfjsBackend extends ClipBackend<Tensor> {
  readonly tf: TfjsModule;
}

/**
 * Creates the TF.js backend: `clip(grads, spec, { backend: await createTfjsBackend({ tf }) })`.
 * Waits for TF.js to finish starting its backend (the wasm one loads asynchronously).
 */
export async function createTfjsBackend(options: TfjsBackendOptions): Promise<TfjsBackend> {
  await options.tf.ready();
  return buildTfjsBackend(options);
}

/** The synchronous constructor behind `createTfjsBackend`, for the optimizer wrapper. */
export function buildTfjsBackend(options: TfjsBackendOptions): TfjsBackend {
  const { tf } = options;
  const tfBackend = () => tf.getBackend();
  const kernels = createTfjsKernels({
    tf,
    readback: options.readback ?? 'sync',
    ...(options.heapSummarizer ? { heapSummarizer: options.heapSummarizer } : {}),
  });
  return {
    ...kernels,
    tf,
    // TF.js's backend is global and may be switched after creation: report the one in use now.
    get id(): string {
      return `tfjs:${tfBackend()}`;
    },
    get manifest(): BackendManifest {
      return tfjsManifest(tfBackend());
    },
    name: 'TensorFlow.js',
    version: tf.version['tfjs-core'],
    shapeOf: (tensor, field) => checkTensor(tf, tensor, field),
    nameOf: (tensor) => (tensor instanceof tf.Variable ? tensor.name : undefined),
    // tf.tensor keeps a reference to the array on the cpu backend; copy so callers may reuse theirs.
    fromHost: (values, shape) => tf.tensor(values.slice(), [...shape], 'float32'),
    toHost: (tensor) => new Float32Array(tensor.dataSync() as Float32Array),
    release: (tensors) => {
      for (const tensor of tensors) tensor.dispose();
    },
    // Nothing is cached between calls: every tensor made is returned or freed.
    dispose: () => {},
  };
}
