import type { ClipBackend, Clipper, HostTensor } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';

/**
 * How TF.js gradients reach a clipper whose tensors are of type `T`, and come back. The loop never
 * copies more than the bridge does: a tfjs clipper gets the `tf.Tensor`s themselves, a host
 * clipper the Float32Arrays TF.js already holds.
 */
export interface TensorBridge<T> {
  /** Hands one TF.js gradient to the clipper. */
  toClipper(gradient: tf.Tensor): T | Promise<T>;
  /** Turns a tensor the clipper returned (a new one: unchanged inputs never come back here) into a TF.js tensor. */
  fromClipper(tensor: T, shape: readonly number[]): tf.Tensor | Promise<tf.Tensor>;
  /** Frees clipper-side tensors the loop created or received and no longer needs. */
  release(tensors: readonly T[]): void;
}

/** A clipper together with the bridge its tensor type needs: what the training loop is given. */
export interface GradientClipping<T> {
  readonly clipper: Clipper<T>;
  readonly bridge: TensorBridge<T>;
}

/**
 * For clippers over host tensors (the reference backend): `dataSync()` hands over TF.js's own
 * Float32Array — on the `cpu` backend its storage, no copy; gradclip never mutates inputs — and a
 * clipped array becomes a tensor without a copy either.
 */
export function hostTensorBridge(): TensorBridge<HostTensor> {
  return {
    toClipper: (gradient) => ({ shape: gradient.shape, values: float32Of(gradient) }),
    fromClipper: (tensor, shape) => tf.tensor(tensor.values, [...shape], 'float32'),
    release: () => {},
  };
}

/**
 * For clippers whose tensors are `tf.Tensor`s (@gradclip/backend-tfjs): gradients cross as they
 * are; clipped tensors are TF.js tensors already and the loop disposes them after the update.
 * The clipper must use the same `@tensorflow/tfjs` instance as the model.
 */
export function tfjsTensorBridge(): TensorBridge<tf.Tensor> {
  return {
    toClipper: (gradient) => gradient,
    fromClipper: (tensor) => tensor,
    release: () => {},
  };
}

/**
 * For any other backend (ONNX Runtime, gpu.js, a third party's): through the backend's own
 * `fromHost` / `toHost` copies. Works for every `ClipBackend`, at the price of the copies.
 */
export function backendTensorBridge<T>(backend: ClipBackend<T>): TensorBridge<T> {
  return {
    toClipper: (gradient) => backend.fromHost(float32Of(gradient), gradient.shape),
    fromClipper: async (tensor, shape) => tf.tensor(await backend.toHost(tensor), [...shape], 'float32'),
    release: (tensors) => backend.release(tensors),
  };
}

/** `{ clipper, bridge }` for a host-tensor clipper, e.g. `createClipper(spec)`. */
export function clipOnHost(clipper: Clipper<HostTensor>): GradientClipping<HostTensor> {
  return { clipper, bridge: hostTensorBridge() };
}

/** `{ clipper, bridge }` for a clipper over `tf.Tensor`s. */
export function clipTfjsTensors(clipper: Clipper<tf.Tensor>): GradientClipping<tf.Tensor> {
  return { clipper, bridge: tfjsTensorBridge() };
}

/** `{ clipper, bridge }` for any backend, through its host copies. */
export function clipThroughBackend<T>(clipper: Clipper<T>): GradientClipping<T> {
  return { clipper, bridge: backendTensorBridge(clipper.backend) };
}

function float32Of(tensor: tf.Tensor): Float32Array {
  const values = tensor.dataSync();
  if (!(values instanceof Float32Array))
    throw new Error(`gradient of dtype ${tensor.dtype}, expected float32`);
  return values;
}
