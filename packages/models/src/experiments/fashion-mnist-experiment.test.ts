import { createClipper } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../datasets/fashion-mnist-package.js';
import { clipOnHost } from '../training/tensor-bridge.js';
import { runFashionMnistExperiment } from './fashion-mnist-experiment.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The full run (55,000 images × 5 epochs) is the command line's; this trains on a balanced subset.
describe('the Fashion-MNIST experiment on a subset of the real images', () => {
  it('learns with clipvalue 1.0 in one epoch over 1,000 images', async () => {
    const data = await loadFashionMnist();
    const result = await runFashionMnistExperiment({
      data,
      epochs: 1,
      trainLimit: 1000,
      evaluationLimit: 500,
      clipping: clipOnHost(createClipper({ kind: 'value', min: -1, max: 1 })),
    });
    expect(result.settings).toMatchObject({ trainImages: 1000, validationImages: 500, testImages: 500 });
    expect(result.history.steps).toHaveLength(32);
    const epoch = result.history.epochs[0] as { validationAccuracy: number; loss: number };
    // Chance is 10%; one epoch over 1,000 images reaches about 65%.
    expect(epoch.validationAccuracy).toBeGreaterThan(0.5);
    expect(result.final.test.accuracy).toBeGreaterThan(0.5);
    expect(result.history.steps.at(-1)?.loss).toBeLessThan((result.history.steps[0]?.loss ?? 0) / 2);
  });
});
