import type { ClampBounds, ClipKernels, ScaleRequest, SliceLayout } from '@gradclip/core';
import { summarizeValues } from '@gradclip/core/reference';
import type { Tensor, TfjsModule } from './tfjs-module.js';

/** How norms read gradients: `dataSync` (kernels stay synchronous) or `data()` (Promises). */
export type Readback = 'sync' | 'async';

export interface TfjsKernelOptions {
  readonly tf: TfjsModule;
  readonly readback: Readback;
}

/**
 * The four kernels over `tf.Tensor`. Every op runs inside `tf.tidy`, so intermediates are freed
 * and a kernel that throws half-way leaves no tensor behind.
 */
export function createTfjsKernels(options: TfjsKernelOptions): ClipKernels<Tensor> {
  const { tf, readback } = options;
  return {
    summarize(tensors, request) {
      // TF.js has no float64: sum on the host with the oracle's own loop, so the bits agree.
      if (readback === 'async') {
        return Promise.all(tensors.map((tensor) => tensor.data())).then((all) =>
          all.map((values, i) => summarizeValues(values as Float32Array, request, i)),
        );
      }
      return tensors.map((tensor, i) => summarizeValues(tensor.dataSync() as Float32Array, request, i));
    },
    scale: (tensors, requests) =>
      tf.tidy(() =>
        tensors.map((tensor, i) => {
          const request = requests[i];
          if (request === undefined) throw new Error(`scale: no request for tensor ${i}`);
          return scaleTensor(tf, tensor, request);
        }),
      ),
    clamp: (tensors, bounds) => tf.tidy(() => tensors.map((tensor) => clampTensor(tf, tensor, bounds))),
    zeroNonFinite: (tensors) =>
      tf.tidy(() => tensors.map((tensor) => tf.where(tf.isFinite(tensor), tensor, tf.zerosLike(tensor)))),
  };
}

/** A factor tensor that broadcasts one value per slice: the shape with reduced axes set to 1. */
function sliceFactors(tf: TfjsModule, values: Float32Array, layout: SliceLayout): Tensor {
  const axes = layout.axes;
  // Slices are numbered row-major over the kept axes, which is the row-major order of this shape.
  const shape = axes === null ? [] : layout.shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
  return tf.tensor(values, shape, 'float32');
}

function scaleTensor(tf: TfjsModule, tensor: Tensor, request: ScaleRequest): Tensor {
  const multipliers = sliceFactors(tf, request.multipliers, request.layout);
  if (request.order === 'multiply') return tf.mul(tensor, multipliers);
  if (request.divisors === undefined) throw new Error(`scale: order "${request.order}" needs divisors`);
  const divisors = sliceFactors(tf, request.divisors, request.layout);
  // Two correctly rounded float32 ops, in the order the request names.
  return request.order === 'multiplyThenDivide'
    ? tf.div(tf.mul(tensor, multipliers), divisors)
    : tf.mul(tf.div(tensor, divisors), multipliers);
}

function clampTensor(tf: TfjsModule, tensor: Tensor, bounds: ClampBounds): Tensor {
  const { min, max } = bounds;
  if (min === Number.NEGATIVE_INFINITY && max === Number.POSITIVE_INFINITY) return tf.clone(tensor);
  // The contract, literally: g < min ? min : g > max ? max : g. Not tf.clipByValue: its min == max
  // path fills NaN and -0 with the bound, wasm's XNNPACK clamp turns NaN into the lower bound and
  // -0 into +0, and TF.js caches clamp operators by the bounds' values, where -0 === +0, so a bound
  // of -0 comes back as +0 (or the reverse) depending on earlier calls. The bounds travel here as
  // tensor data (tf.scalar), never as kernel attributes, so nothing can key on them. NaN and ±0
  // when min ≤ 0 ≤ max compare false both times and are kept.
  const lower = tf.scalar(min, 'float32');
  const upper = tf.scalar(max, 'float32');
  return tf.where(tf.less(tensor, lower), lower, tf.where(tf.greater(tensor, upper), upper, tensor));
}
