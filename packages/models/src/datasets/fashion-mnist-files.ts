import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelsError } from '../errors.js';
import { type FashionMnist, prepareFashionMnist, type RawImages } from './fashion-mnist.js';
import { type IdxArray, readIdxFile } from './idx.js';

export interface FashionMnistFilesOptions {
  /** Directory holding the four original files (`train-images-idx3-ubyte.gz` …), gzipped or not. */
  readonly directory: string;
  /** Last images of the training file used for validation, as in the seed notebook. Default 5,000. */
  readonly validationCount?: number;
}

/**
 * Fashion-MNIST (or MNIST) from the original IDX files: `train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally
 * `.gz`. The split and standardisation follow the seed notebook exactly: the last 5,000 training
 * images validate, the first 55,000 train.
 */
export async function loadFashionMnistFiles(options: FashionMnistFilesOptions): Promise<FashionMnist> {
  const read = (name: string) => readEither(join(options.directory, name));
  const settled = await Promise.allSettled([
    read('train-images-idx3-ubyte'),
    read('train-labels-idx1-ubyte'),
    read('t10k-images-idx3-ubyte'),
    read('t10k-labels-idx1-ubyte'),
  ]);
  // The first file in this order that failed names the error, whichever read finished first.
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  type Read = IdxArray & { readonly path: string };
  const [trainImages, trainLabels, testImages, testLabels] = settled.map(
    (result) => (result as PromiseFulfilledResult<Read>).value,
  ) as [Read, Read, Read, Read];
  return prepareFashionMnist(
    toRawImages(trainImages, trainLabels, 'train'),
    toRawImages(testImages, testLabels, 't10k'),
    options.validationCount ?? 5000,
  );
}

async function readEither(path: string): Promise<IdxArray & { readonly path: string }> {
  // Prefer the gzipped file as distributed; fall back to an uncompressed one.
  const chosen = (await exists(`${path}.gz`)) ? `${path}.gz` : path;
  return { ...(await readIdxFile(chosen)), path: chosen };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function toRawImages(
  images: IdxArray & { readonly path: string },
  labels: IdxArray & { readonly path: string },
  prefix: string,
): RawImages {
  const count = images.shape[0] ?? 0;
  if (
    !(images.data instanceof Uint8Array) ||
    images.shape.length !== 3 ||
    images.shape[1] !== 28 ||
    images.shape[2] !== 28
  ) {
    throw new ModelsError(
      'INVALID_DATA',
      `${images.path}: got ${describe(images)}, expected uint8 images of shape [n, 28, 28]`,
      {
        field: images.path,
        value: images.shape,
        expected: 'uint8 [n, 28, 28]',
      },
    );
  }
  if (!(labels.data instanceof Uint8Array) || labels.shape.length !== 1 || labels.shape[0] !== count) {
    throw new ModelsError(
      'INVALID_DATA',
      `${labels.path}: got ${describe(labels)}, expected ${count} uint8 labels for the ${prefix} images`,
      {
        field: labels.path,
        value: labels.shape,
        expected: `uint8 [${count}]`,
      },
    );
  }
  const labelValues = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i] as number;
    if (label > 9) {
      throw new ModelsError(
        'INVALID_DATA',
        `${labels.path}: label ${i}: got ${label}, expected a class 0…9`,
        {
          field: labels.path,
          value: label,
          expected: 'a class 0…9',
        },
      );
    }
    labelValues[i] = label;
  }
  return { count, pixels: images.data, labels: labelValues };
}

function describe(array: IdxArray): string {
  return `${array.data.constructor.name} of shape [${array.shape.join(', ')}]`;
}
