import * as tf from '@tensorflow/tfjs';
import { type Dataset, sizeOf } from '../datasets/dataset.js';

/** Features and targets of the examples at `order[start … end)` as TF.js tensors (the caller disposes). */
export function batchTensors(
  dataset: Dataset,
  order: ArrayLike<number> | null,
  start: number,
  end: number,
): { readonly features: tf.Tensor; readonly targets: tf.Tensor } {
  const featureSize = sizeOf(dataset.featureShape);
  const targetSize = sizeOf(dataset.targetShape);
  const count = end - start;
  let features: Float32Array;
  let targets: Float32Array | Int32Array;
  if (order === null) {
    features = dataset.features.slice(start * featureSize, end * featureSize);
    targets = dataset.targets.slice(start * targetSize, end * targetSize);
  } else {
    features = new Float32Array(count * featureSize);
    targets =
      dataset.targets instanceof Int32Array
        ? new Int32Array(count * targetSize)
        : new Float32Array(count * targetSize);
    for (let i = 0; i < count; i++) {
      const index = order[start + i] as number;
      features.set(
        dataset.features.subarray(index * featureSize, (index + 1) * featureSize),
        i * featureSize,
      );
      targets.set(dataset.targets.subarray(index * targetSize, (index + 1) * targetSize), i * targetSize);
    }
  }
  return {
    features: tf.tensor(features, [count, ...dataset.featureShape], 'float32'),
    targets: tf.tensor(
      targets,
      [count, ...dataset.targetShape],
      targets instanceof Int32Array ? 'int32' : 'float32',
    ),
  };
}
