import { describe, expect, it } from 'vitest';
import { makeAddingProblem } from './adding-problem.js';

describe('makeAddingProblem', () => {
  it('marks exactly one step in each half and targets the sum of the marked values', () => {
    const length = 100;
    const data = makeAddingProblem({ samples: 200, length, seed: 4 });
    expect(data.featureShape).toEqual([length, 2]);
    let targetSum = 0;
    for (let i = 0; i < data.count; i++) {
      const marked: number[] = [];
      for (let t = 0; t < length; t++) {
        const value = data.features[(i * length + t) * 2] as number;
        const marker = data.features[(i * length + t) * 2 + 1] as number;
        expect(value >= 0 && value < 1).toBe(true);
        expect(marker === 0 || marker === 1).toBe(true);
        if (marker === 1) marked.push(t);
      }
      expect(marked).toHaveLength(2);
      expect(marked[0]).toBeLessThan(length / 2);
      expect(marked[1]).toBeGreaterThanOrEqual(length / 2);
      const sum =
        (data.features[(i * length + (marked[0] as number)) * 2] as number) +
        (data.features[(i * length + (marked[1] as number)) * 2] as number);
      expect(data.targets[i]).toBe(Math.fround(sum));
      targetSum += data.targets[i] as number;
    }
    expect(Math.abs(targetSum / data.count - 1)).toBeLessThan(0.1);
    expect(makeAddingProblem({ samples: 200, length, seed: 4 }).features).toEqual(data.features);
  });

  it('rejects sequences shorter than 2', () => {
    expect(() => makeAddingProblem({ samples: 1, length: 1 })).toThrow(/options\.length: got 1/);
  });
});
