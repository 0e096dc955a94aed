import {
  type ClipBackend,
  type ClipSpec,
  createClipper,
  type HostTensor,
  type ResolvedSpec,
} from '@gradclip/core';
import { createReferenceBackend } from '@gradclip/core/reference';
import * as tf from '@tensorflow/tfjs';

/**
 * For tests: the reference kernels behind a `ClipBackend<tf.Tensor>`, so the tf.Tensor path of the
 * loop (`tfjsTensorBridge`) runs before @gradclip/backend-tfjs exists. Host copies inside.
 */
export function createTensorReferenceBackend(): ClipBackend<tf.Tensor> {
  const reference = createReferenceBackend();
  const host = (tensor: tf.Tensor): HostTensor => ({
    shape: tensor.shape,
    values: tensor.dataSync() as Float32Array,
  });
  const back = (tensors: readonly HostTensor[]) =>
    tensors.map((t) => tf.tensor(t.values, [...t.shape], 'float32'));
  return {
    id: 'test:reference-over-tf-tensors',
    name: 'reference kernels over tf.Tensor (tests only)',
    version: '0.0.0',
    manifest: reference.manifest,
    shapeOf: (tensor) => tensor.shape,
    fromHost: async (values, shape) => tf.tensor(values, [...shape], 'float32'),
    toHost: async (tensor) => (tensor.dataSync() as Float32Array).slice(),
    scale: async (tensors, requests) => back(await reference.scale(tensors.map(host), requests)),
    clamp: async (tensors, bounds) => back(await reference.clamp(tensors.map(host), bounds)),
    zeroNonFinite: async (tensors) => back(await reference.zeroNonFinite(tensors.map(host))),
    release: (tensors) => tf.dispose([...tensors]),
    dispose: async () => {},
  };
}

export function tensorReferenceClipper(spec: ClipSpec | ResolvedSpec) {
  return createClipper(spec, { backend: createTensorReferenceBackend() });
}
