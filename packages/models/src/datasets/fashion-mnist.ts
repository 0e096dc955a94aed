import { ModelsError } from '../errors.js';
import type { Dataset } from './dataset.js';

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export const FASHION_MNIST_IMAGE_SIZE = 28 * 28;

/** Images as stored: one byte per pixel, row-major 28 × 28, with int32 class labels. */
export interface RawImages {
  readonly count: number;
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
}

/** Fashion-MNIST ready to train on: features `[28, 28]` standardised, targets class labels. */
export interface FashionMnist {
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly test: Dataset;
  /** Per pixel, over the training split, of the [0, 1]-scaled images. */
  readonly pixelMean: Float64Array;
  readonly pixelStd: Float64Array;
  readonly classNames: readonly string[];
}

/**
 * The seed notebook's preparation: the last `validationCount` images of the full training set
 * become the validation split; pixels are scaled to [0, 1] and standardised with the training
 * split's per-pixel mean and (population) standard deviation. Statistics and arithmetic in
 * float64 as NumPy does, stored as float32. A pixel with zero deviation is divided by 1 (NumPy
 * would give NaN; Fashion-MNIST has none).
 */
export function prepareFashionMnist(
  trainFull: RawImages,
  test: RawImages,
  validationCount = 5000,
): FashionMnist {
  if (!Number.isInteger(validationCount) || validationCount < 0 || validationCount >= trainFull.count) {
    throw new ModelsError(
      'INVALID_OPTION',
      `validationCount: got ${validationCount}, expected an integer in [0, ${trainFull.count - 1}]`,
      {
        field: 'validationCount',
        value: validationCount,
        expected: `an integer in [0, ${trainFull.count - 1}]`,
      },
    );
  }
  const trainCount = trainFull.count - validationCount;
  const size = FASHION_MNIST_IMAGE_SIZE;
  const mean = new Float64Array(size);
  const std = new Float64Array(size);
  for (let i = 0; i < trainCount; i++) {
    for (let p = 0; p < size; p++)
      mean[p] = (mean[p] as number) + (trainFull.pixels[i * size + p] as number) / 255;
  }
  for (let p = 0; p < size; p++) mean[p] = (mean[p] as number) / trainCount;
  for (let i = 0; i < trainCount; i++) {
    for (let p = 0; p < size; p++) {
      const deviation = (trainFull.pixels[i * size + p] as number) / 255 - (mean[p] as number);
      std[p] = (std[p] as number) + deviation * deviation;
    }
  }
  for (let p = 0; p < size; p++) std[p] = Math.sqrt((std[p] as number) / trainCount) || 1;
  const standardize = (images: RawImages, start: number, end: number): Dataset => {
    const features = new Float32Array((end - start) * size);
    for (let i = start; i < end; i++) {
      const row = (i - start) * size;
      for (let p = 0; p < size; p++) {
        features[row + p] =
          ((images.pixels[i * size + p] as number) / 255 - (mean[p] as number)) / (std[p] as number);
      }
    }
    return {
      count: end - start,
      featureShape: [28, 28],
      features,
      targetShape: [],
      targets: images.labels.slice(start, end),
    };
  };
  return {
    train: standardize(trainFull, 0, trainCount),
    validation: standardize(trainFull, trainCount, trainFull.count),
    test: standardize(test, 0, test.count),
    pixelMean: mean,
    pixelStd: std,
    classNames: FASHION_MNIST_CLASS_NAMES,
  };
}
