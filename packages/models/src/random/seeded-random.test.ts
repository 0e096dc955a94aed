import { describe, expect, it } from 'vitest';
import { deterministicLog } from './deterministic-log.js';
import { createSeededRandom, randomPermutation } from './seeded-random.js';

describe('deterministicLog', () => {
  it('agrees with Math.log to within 2 ulp over many magnitudes', () => {
    const random = createSeededRandom(7);
    for (let i = 0; i < 20_000; i++) {
      const x = random.uniform() * 2 ** (Math.floor(random.uniform() * 200) - 100) || 1;
      const expected = Math.log(x);
      const tolerance = 2 * Number.EPSILON * Math.max(Math.abs(expected), 1);
      expect(Math.abs(deterministicLog(x) - expected)).toBeLessThanOrEqual(tolerance);
    }
  });

  it('is exact at 1 and NaN outside its domain', () => {
    expect(deterministicLog(1)).toBe(0);
    expect(deterministicLog(0)).toBeNaN();
    expect(deterministicLog(-1)).toBeNaN();
    expect(deterministicLog(Number.POSITIVE_INFINITY)).toBeNaN();
    expect(deterministicLog(Number.MIN_VALUE)).toBeCloseTo(Math.log(Number.MIN_VALUE), 10);
  });
});

describe('createSeededRandom', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const random = createSeededRandom(seed);
      return [random.uniform(), random.normal(), random.integer(1000), random.normal()];
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('draws standard normals and uniforms with the right moments', () => {
    const random = createSeededRandom(11);
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    let fourth = 0;
    let uniformSum = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const z = random.normal();
      sum += z;
      squares += z * z;
      fourth += z ** 4;
      const u = random.uniform();
      if (!(u >= 0 && u < 1)) outOfRange++;
      uniformSum += u;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.02);
    // Kurtosis 3 distinguishes a true Gaussian from an Irwin–Hall sum of 12 uniforms (2.9).
    expect(Math.abs(fourth / n - 3)).toBeLessThan(0.06);
    expect(Math.abs(uniformSum / n - 0.5)).toBeLessThan(0.005);
  });

  it('draws integers in range, every value reachable', () => {
    const random = createSeededRandom(5);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[random.integer(7)]++;
    for (const count of counts) expect(count).toBeGreaterThan(850);
    const permutation = Array.from(randomPermutation(50, random)).sort((a, b) => a - b);
    expect(permutation).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
