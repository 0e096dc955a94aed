import { describe, expect, it } from 'vitest';
import { capturedCases } from './captured-cases.js';

describe('capturedCases', () => {
  it('captures real, deterministic gradients from the seed models, exploding ones included', async () => {
    const first = await capturedCases();
    const second = await capturedCases();
    expect(first.map((c) => c.id)).toEqual(second.map((c) => c.id));
    first.forEach((testCase, i) => {
      expect(testCase.source).toBe('captured');
      testCase.input.forEach((tensor, k) => {
        expect(tensor.values).toEqual(second[i]?.input[k]?.values);
      });
    });
    const norm = (id: string) => {
      const found = first.find((c) => c.id === id);
      let sum = 0;
      for (const tensor of found?.input ?? []) for (const value of tensor.values) sum += value * value;
      return Math.sqrt(sum);
    };
    // The unclipped RNN's gradient explodes between its first two steps.
    expect(norm('captured/adding-step1/globalNorm')).toBeGreaterThan(
      1e6 * norm('captured/adding-step0/globalNorm'),
    );
    expect(first.find((c) => c.id === 'captured/regression-step0/norm')?.input.map((t) => t.shape)).toEqual([
      [20, 25],
      [25],
      [25, 1],
      [1],
    ]);
  });
});
