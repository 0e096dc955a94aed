import { createClipper } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipOnHost } from '../training/tensor-bridge.js';
import { runRegressionExperiment } from './regression-experiment.js';

// TF.js's engine is global; the cpu backend is the deterministic one.
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the regression experiment (1,000 samples, SGD lr 0.01 momentum 0.9, MSE, 100 epochs)', () => {
  it('diverges without clipping', async () => {
    const result = await runRegressionExperiment();
    const losses = result.history.steps.map((step) => step.loss);
    expect(losses.some((loss) => Number.isNaN(loss) || loss > 1e6)).toBe(true);
    expect(result.history.stopped).not.toBeNull();
    expect(result.clipping).toBeNull();
  });

  it('trains with clipvalue 5: test MSE below 100 (median over five weight seeds, every run finite)', async () => {
    const testLosses: number[] = [];
    for (const seed of [0, 1, 2, 3, 4]) {
      const result = await runRegressionExperiment({
        seed,
        clipping: clipOnHost(createClipper({ kind: 'value', min: -5, max: 5 })),
      });
      expect(result.history.stopped).toBeNull();
      expect(result.history.epochs).toHaveLength(100);
      // Element-wise bounds: every step with a gradient element beyond ±5 is clipped.
      expect(result.history.steps.filter((step) => step.clipped).length).toBeGreaterThan(100);
      testLosses.push(result.final.test.loss);
    }
    const median = [...testLosses].sort((a, b) => a - b)[2] as number;
    expect(median).toBeLessThan(100);
    for (const loss of testLosses) expect(loss).toBeLessThan(1000);
  });

  it('trains with clipnorm 1 (per tensor)', async () => {
    const result = await runRegressionExperiment({
      clipping: clipOnHost(createClipper({ kind: 'norm', maxNorm: 1 })),
    });
    const epochs = result.history.epochs;
    expect(result.history.stopped).toBeNull();
    expect((epochs.at(-1) as { loss: number }).loss).toBeLessThan((epochs[0] as { loss: number }).loss / 100);
    expect(result.final.test.loss).toBeLessThan(100);
    // Four tensors each of norm ≤ 1: the global norm after clipping is at most 2.
    for (const step of result.history.steps) expect(step.normAfter).toBeLessThanOrEqual(2 + 1e-6);
  });
});
