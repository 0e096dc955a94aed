import { describe, expect, it } from 'vitest';
import { gigabytesPerSecond, quantile, timingStatistics } from './statistics.js';

describe('timingStatistics', () => {
  it('gives the median, quartiles and relative spread of unsorted samples', () => {
    const stats = timingStatistics([5, 1, 4, 2, 3]);
    expect(stats).toEqual({
      runs: 5,
      medianMs: 3,
      minMs: 1,
      maxMs: 5,
      q1Ms: 2,
      q3Ms: 4,
      relativeSpread: 2 / 3,
    });
  });

  it('interpolates quantiles between samples like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([7], 0.9)).toBe(7);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });

  it('is robust to one outlier', () => {
    expect(timingStatistics([10, 10, 11, 10, 500]).medianMs).toBe(10);
  });

  it('converts bytes and milliseconds to GB/s', () => {
    expect(gigabytesPerSecond(12e9, 1000)).toBe(12);
    expect(gigabytesPerSecond(1, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
