import { ModelsError } from '../errors.js';

/**
 * Examples in host memory, row-major: example i's features are
 * `features.subarray(i · size, (i + 1) · size)` with `size` the product of `featureShape`.
 * Targets are float32 values (regression, one or more per example) or int32 class labels.
 */
export interface Dataset {
  readonly count: number;
  /** Shape of one example's features, e.g. `[20]`, `[28, 28]` or `[100, 2]` (time, channels). */
  readonly featureShape: readonly number[];
  readonly features: Float32Array;
  /** Shape of one example's target: `[1]` for scalar regression, `[]` for a class label. */
  readonly targetShape: readonly number[];
  readonly targets: Float32Array | Int32Array;
}

/** Elements per example: the product of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dimension of shape) size *= dimension;
  return size;
}

/** Examples [start, end) as a new dataset sharing memory with `dataset` (no copy). */
export function sliceDataset(dataset: Dataset, start: number, end: number): Dataset {
  if (
    !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= dataset.count)
  ) {
    throw new ModelsError(
      'INVALID_OPTION',
      `sliceDataset: got [${start}, ${end}), expected integers with 0 ≤ start ≤ end ≤ ${dataset.count}`,
      { field: 'range', value: [start, end], expected: `0 ≤ start ≤ end ≤ ${dataset.count}` },
    );
  }
  const featureSize = sizeOf(dataset.featureShape);
  const targetSize = sizeOf(dataset.targetShape);
  return {
    count: end - start,
    featureShape: dataset.featureShape,
    features: dataset.features.subarray(start * featureSize, end * featureSize),
    targetShape: dataset.targetShape,
    targets: dataset.targets.subarray(start * targetSize, end * targetSize),
  };
}

/** The examples at `indices`, in that order, copied into a new dataset. */
export function gatherDataset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const featureSize = sizeOf(dataset.featureShape);
  const targetSize = sizeOf(dataset.targetShape);
  const features = new Float32Array(indices.length * featureSize);
  const targets =
    dataset.targets instanceof Int32Array
      ? new Int32Array(indices.length * targetSize)
      : new Float32Array(indices.length * targetSize);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    features.set(dataset.features.subarray(index * featureSize, (index + 1) * featureSize), i * featureSize);
    targets.set(dataset.targets.subarray(index * targetSize, (index + 1) * targetSize), i * targetSize);
  }
  return {
    count: indices.length,
    featureShape: dataset.featureShape,
    features,
    targetShape: dataset.targetShape,
    targets,
  };
}
