import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegressionModel, makeRegression } from '../test/regression-problem.js';
import { withClipping } from './clipping-optimizer.js';
import type { ClippingSetting } from './clipping-settings.js';

// The seeds' experiment: 1,000 samples, 20 features (10 informative), noise 0.1; train on 500.
const data = makeRegression({ samples: 1000, features: 20, informative: 10, noise: 0.1, seed: 1 });
const TRAIN = 500;

interface Run {
  readonly losses: number[];
  /** Tensors left behind by the whole run (model and optimizer disposed). */
  readonly leaked: number;
}

async function train(clipping: ClippingSetting | null, epochs: number): Promise<Run> {
  const before = tf.memory().numTensors;
  const xs = tf.tensor2d(data.x.subarray(0, TRAIN * data.features), [TRAIN, data.features]);
  const ys = tf.tensor2d(data.y.subarray(0, TRAIN), [TRAIN, 1]);
  const model = buildRegressionModel(tf, 7);
  const momentum = tf.train.momentum(0.01, 0.9);
  const optimizer = clipping === null ? momentum : withClipping(momentum, clipping, { tf });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  // shuffle: false keeps the run deterministic (TF.js shuffles with Math.random).
  const history = await model.fit(xs, ys, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
  model.dispose();
  optimizer.dispose();
  return { losses: history.history.loss as number[], leaked: tf.memory().numTensors - before };
}

describe('the regression MLP through model.fit (tfjs:cpu)', () => {
  let unclipped: Run;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    unclipped = await train(null, 100);
  });

  it('diverges without clipping', () => {
    const last = unclipped.losses.at(-1) as number;
    expect(Number.isNaN(last) || last > 1e6).toBe(true);
  });

  for (const clipping of [{ clipvalue: 5 }, { clipnorm: 1 }] as const) {
    it(`trains with ${JSON.stringify(clipping)}`, async () => {
      const run = await train(clipping, 100);
      const first = run.losses[0] as number;
      const last = run.losses.at(-1) as number;
      console.info(`${JSON.stringify(clipping)}: MSE ${first.toPrecision(5)} → ${last.toPrecision(5)}`);
      expect(run.losses.every(Number.isFinite)).toBe(true);
      // The seed reports "sub-100 MSE"; the targets' variance is about 3·10^4.
      expect(last).toBeLessThan(100);
      expect(last).toBeLessThan(first / 100);
      // model.fit itself keeps a tensor or so; clipping adds none.
      expect(run.leaked).toBe(unclipped.leaked);
    });
  }
});

describe('the regression MLP through model.fit (tfjs:wasm)', () => {
  it('trains with clipnorm 1 where the unclipped run diverges', async () => {
    await tf.setBackend('wasm');
    const plain = await train(null, 5);
    const clipped = await train({ clipnorm: 1 }, 5);
    expect(plain.losses.some((loss) => !Number.isFinite(loss) || loss > 1e6)).toBe(true);
    expect(clipped.losses.every(Number.isFinite)).toBe(true);
    expect(clipped.losses.at(-1) as number).toBeLessThan(clipped.losses[0] as number);
  });
});
