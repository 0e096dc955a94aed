import { describe, expect, it } from 'vitest';
import { ModelsError } from '../errors.js';
import { makeRegression } from './make-regression.js';

describe('makeRegression', () => {
  it('builds a linear model on the informative features plus Gaussian noise', () => {
    const data = makeRegression({ samples: 1000, features: 20, informative: 10, noise: 0.1, seed: 1 });
    expect(data.count).toBe(1000);
    expect(data.featureShape).toEqual([20]);
    expect(data.features).toHaveLength(20_000);
    const nonZero = Array.from(data.coefficients).filter((c) => c !== 0);
    expect(nonZero).toHaveLength(10);
    for (const c of nonZero) expect(c > 0 && c < 100).toBe(true);
    // Residuals of the true model are the noise: std ≈ 0.1 (float32 storage adds ~1e-5).
    let squares = 0;
    for (let i = 0; i < data.count; i++) {
      let prediction = 0;
      for (let j = 0; j < 20; j++)
        prediction += (data.features[i * 20 + j] as number) * (data.coefficients[j] as number);
      squares += ((data.targets[i] as number) - prediction) ** 2;
    }
    expect(Math.sqrt(squares / data.count)).toBeGreaterThan(0.09);
    expect(Math.sqrt(squares / data.count)).toBeLessThan(0.11);
    // Features are standard normal.
    const mean = data.features.reduce((a, b) => a + b, 0) / data.features.length;
    const variance = data.features.reduce((a, b) => a + (b - mean) ** 2, 0) / data.features.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  it('shuffles the feature order so the informative features are not the first ones', () => {
    const shuffled = makeRegression({ samples: 10, features: 20, informative: 10, seed: 1 });
    const ordered = makeRegression({ samples: 10, features: 20, informative: 10, seed: 1, shuffle: false });
    expect(Array.from(ordered.coefficients.subarray(10))).toEqual(new Array(10).fill(0));
    expect(Array.from(shuffled.coefficients.subarray(10)).some((c) => c !== 0)).toBe(true);
    expect([...shuffled.coefficients].sort()).toEqual([...ordered.coefficients].sort());
  });

  it('is deterministic for a seed and adds the bias', () => {
    const a = makeRegression({ samples: 50, features: 5, seed: 9, bias: 3 });
    const b = makeRegression({ samples: 50, features: 5, seed: 9, bias: 3 });
    expect(a.features).toEqual(b.features);
    expect(a.targets).toEqual(b.targets);
    const unbiased = makeRegression({ samples: 50, features: 5, seed: 9 });
    expect(Math.fround((unbiased.targets[0] as number) + 3)).toBeCloseTo(a.targets[0] as number, 4);
    expect(makeRegression({ samples: 50, features: 5, seed: 10 }).targets).not.toEqual(unbiased.targets);
  });

  it('rejects bad options, naming the field and the value', () => {
    expect(() => makeRegression({ samples: 0 })).toThrow(ModelsError);
    expect(() => makeRegression({ samples: 1.5 })).toThrow(
      /options\.samples: got 1\.5, expected an integer ≥ 1/,
    );
    expect(() => makeRegression({ noise: -1 })).toThrow(/options\.noise: got -1/);
    expect(() => makeRegression({ bias: Number.NaN })).toThrow(/options\.bias: got NaN/);
  });
});
