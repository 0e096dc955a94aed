import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ModelsError } from '../errors.js';
import { loadFashionMnistFiles } from './fashion-mnist-files.js';
import { parseIdx, readIdxFile } from './idx.js';

/** IDX bytes: magic (0, 0, type, rank), big-endian dimensions, big-endian elements. */
function idx(
  type: number,
  shape: number[],
  write: (view: DataView, offset: number) => void,
  size: number,
): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(4 + 4 * shape.length + count * size);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = shape.length;
  shape.forEach((dimension, i) => {
    view.setUint32(4 + 4 * i, dimension, false);
  });
  write(view, 4 + 4 * shape.length);
  return bytes;
}

function uint8Idx(shape: number[], values: ArrayLike<number>): Uint8Array {
  return idx(
    0x08,
    shape,
    (view, offset) => {
      Array.from(values).forEach((v, i) => {
        view.setUint8(offset + i, v);
      });
    },
    1,
  );
}

describe('parseIdx', () => {
  it('reads uint8 images, gzipped or not', () => {
    const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const bytes = uint8Idx([2, 3, 4], values);
    for (const input of [bytes, gzipSync(bytes)]) {
      const parsed = parseIdx(input);
      expect(parsed.shape).toEqual([2, 3, 4]);
      expect(parsed.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(parsed.data)).toEqual(values);
    }
  });

  it('reads the wider types big-endian', () => {
    const ints = idx(
      0x0c,
      [3],
      (view, o) =>
        [1, -2, 70000].forEach((v, i) => {
          view.setInt32(o + 4 * i, v, false);
        }),
      4,
    );
    expect(Array.from(parseIdx(ints).data)).toEqual([1, -2, 70000]);
    const floats = idx(
      0x0d,
      [2],
      (view, o) =>
        [1.5, -0.25].forEach((v, i) => {
          view.setFloat32(o + 4 * i, v, false);
        }),
      4,
    );
    expect(parseIdx(floats).data).toEqual(new Float32Array([1.5, -0.25]));
    const doubles = idx(0x0e, [1], (view, o) => view.setFloat64(o, Math.PI, false), 8);
    expect(parseIdx(doubles).data).toEqual(new Float64Array([Math.PI]));
    const shorts = idx(
      0x0b,
      [2],
      (view, o) =>
        [-300, 300].forEach((v, i) => {
          view.setInt16(o + 2 * i, v, false);
        }),
      2,
    );
    expect(Array.from(parseIdx(shorts).data)).toEqual([-300, 300]);
  });

  it('rejects bad magic, unknown types, truncated data and corrupt gzip, naming the source', () => {
    const good = uint8Idx([4], [1, 2, 3, 4]);
    const badMagic = good.slice();
    badMagic[0] = 7;
    expect(() => parseIdx(badMagic, 'a.idx')).toThrow(/a\.idx: got 0x07000801, expected an IDX magic/);
    const badType = good.slice();
    badType[2] = 0x42;
    expect(() => parseIdx(badType, 'b.idx')).toThrow(/b\.idx: got 0x42, expected an IDX type code/);
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'c.idx')).toThrow(
      /c\.idx: got 11 bytes, expected 12 bytes/,
    );
    const corrupt = gzipSync(good).slice(0, 12);
    expect(() => parseIdx(corrupt, 'd.gz')).toThrow(ModelsError);
    expect(() => parseIdx(new Uint8Array(2))).toThrow(/expected at least the 4-byte IDX magic/);
  });
});

describe('loadFashionMnistFiles', () => {
  it('splits off the last training images for validation and standardises by the training split', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gradclip-idx-'));
    const trainCount = 6;
    const pixels = (count: number, offset: number) =>
      Array.from({ length: count * 784 }, (_, i) => (i * 7 + offset + Math.floor(i / 784) * 31) % 256);
    await writeFile(
      join(directory, 'train-images-idx3-ubyte.gz'),
      gzipSync(uint8Idx([trainCount, 28, 28], pixels(trainCount, 0))),
    );
    await writeFile(
      join(directory, 'train-labels-idx1-ubyte.gz'),
      gzipSync(uint8Idx([trainCount], [0, 1, 2, 3, 4, 5])),
    );
    // Uncompressed test files: the loader accepts both.
    await writeFile(join(directory, 't10k-images-idx3-ubyte'), uint8Idx([2, 28, 28], pixels(2, 5)));
    await writeFile(join(directory, 't10k-labels-idx1-ubyte'), uint8Idx([2], [9, 8]));
    const data = await loadFashionMnistFiles({ directory, validationCount: 2 });
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([4, 2, 2]);
    expect(Array.from(data.train.targets)).toEqual([0, 1, 2, 3]);
    expect(Array.from(data.validation.targets)).toEqual([4, 5]);
    expect(Array.from(data.test.targets)).toEqual([9, 8]);
    const raw = pixels(trainCount, 0);
    for (const p of [0, 100, 783]) {
      const column = [0, 1, 2, 3].map((i) => (raw[i * 784 + p] as number) / 255);
      const mean = column.reduce((a, b) => a + b, 0) / 4;
      const std = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
      expect(data.pixelMean[p]).toBeCloseTo(mean, 12);
      expect(data.pixelStd[p]).toBeCloseTo(std, 12);
      expect(data.train.features[p]).toBe(Math.fround(((raw[p] as number) / 255 - mean) / std));
      expect(data.validation.features[p]).toBe(
        Math.fround(((raw[4 * 784 + p] as number) / 255 - mean) / std),
      );
    }
  });

  it('reports a missing file and a label out of range', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gradclip-idx-'));
    await expect(loadFashionMnistFiles({ directory })).rejects.toThrow(
      /train-images-idx3-ubyte: cannot be read/,
    );
    await writeFile(
      join(directory, 'train-images-idx3-ubyte'),
      uint8Idx([2, 28, 28], new Array(2 * 784).fill(1)),
    );
    await writeFile(join(directory, 'train-labels-idx1-ubyte'), uint8Idx([2], [3, 12]));
    await writeFile(join(directory, 't10k-images-idx3-ubyte'), uint8Idx([1, 28, 28], new Array(784).fill(1)));
    await writeFile(join(directory, 't10k-labels-idx1-ubyte'), uint8Idx([1], [0]));
    await expect(loadFashionMnistFiles({ directory, validationCount: 1 })).rejects.toThrow(
      /label 1: got 12, expected a class 0…9/,
    );
    await expect(readIdxFile(join(directory, 'nope'))).rejects.toThrow(ModelsError);
  });
});
