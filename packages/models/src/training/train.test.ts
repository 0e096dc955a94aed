import { type Clipper, type ClipReport, createClipper, type HostTensor } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sliceDataset } from '../datasets/dataset.js';
import { makeRegression } from '../datasets/make-regression.js';
import { createRegressionModel } from '../models/regression-model.js';
import { hostTensorBridge } from './tensor-bridge.js';
import { train } from './train.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = makeRegression({ samples: 200, features: 20, noise: 0.1, seed: 3 });
const trainSet = sliceDataset(data, 0, 100);
const validation = sliceDataset(data, 100, 200);

async function run(seed: number, clipper?: Clipper<HostTensor>) {
  const model = createRegressionModel({ seed });
  const optimizer = tf.train.sgd(0.001);
  try {
    return await train({
      model,
      loss: 'meanSquaredError',
      optimizer,
      train: trainSet,
      validation,
      epochs: 3,
      batchSize: 16,
      seed,
      ...(clipper === undefined ? {} : { clipping: { clipper, bridge: hostTensorBridge() } }),
    });
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

describe('train', () => {
  it('records every step and epoch, and is deterministic for a seed', async () => {
    const first = await run(1);
    expect(first.steps).toHaveLength(3 * 7);
    expect(first.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2, 3]);
    expect(first.steps.every((step) => step.normAfter === step.normBefore && !step.clipped)).toBe(true);
    expect(await run(1)).toEqual(first);
    expect((await run(2)).steps.map((step) => step.loss)).not.toEqual(first.steps.map((step) => step.loss));
  });

  it('does not update when the clipper reports a skipped step', async () => {
    const reference = createClipper({ kind: 'globalNorm', maxNorm: 1 });
    const skipping: Clipper<HostTensor> = {
      ...reference,
      clip: async (gradients) => {
        const result = await reference.clip(gradients);
        return { ...result, report: { ...result.report, skipped: true } as ClipReport };
      },
    };
    const history = await run(1, skipping);
    expect(history.steps.every((step) => step.skipped)).toBe(true);
    // Unchanged weights: every epoch's validation loss is the same.
    expect(new Set(history.epochs.map((epoch) => epoch.validationLoss)).size).toBe(1);
    expect(history.epochs[0]?.skippedSteps).toBe(7);
  });

  it('records the clipper report and leaves no tensors behind', async () => {
    await run(1, createClipper({ kind: 'globalNorm', maxNorm: 1 })); // warm-up: TF.js keeps a few tensors per process
    const before = tf.memory().numTensors;
    const history = await run(1, createClipper({ kind: 'globalNorm', maxNorm: 1 }));
    expect(tf.memory().numTensors).toBe(before);
    for (const step of history.steps) {
      expect(step.normAfter).toBeLessThanOrEqual(1 + 1e-6);
      expect(step.clipped).toBe(step.normBefore > 1);
    }
  });
});
