import * as tf from '@tensorflow/tfjs';
import { sliceDataset } from '../datasets/dataset.js';
import { makeRegression } from '../datasets/make-regression.js';
import { createRegressionModel } from '../models/regression-model.js';
import type { ProgressEvent } from '../training/progress.js';
import type { GradientClipping } from '../training/tensor-bridge.js';
import type { ExperimentResult } from './experiment-result.js';
import { runExperiment } from './run-experiment.js';

export interface RegressionExperimentOptions<T> {
  /** Omitted: no clipping — the run the seed shows diverging. */
  readonly clipping?: GradientClipping<T>;
  /** Default 100. */
  readonly epochs?: number;
  /** Default 32 (Keras). */
  readonly batchSize?: number;
  /** Seed of the dataset. Default 1 (the seed's `random_state=1`). */
  readonly dataSeed?: number;
  /** Seed of the initial weights and the shuffles. Default 0. */
  readonly seed?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * The seed's regression experiment: `makeRegression` with 1,000 samples, 20 features (10
 * informative), noise 0.1, unscaled; the first 500 train, the other 500 test (and validate, as
 * the seed's `validation_data`); the 20 → 25 → 1 MLP; SGD lr 0.01 momentum 0.9; MSE.
 */
export async function runRegressionExperiment<T>(
  options: RegressionExperimentOptions<T> = {},
): Promise<ExperimentResult> {
  const dataSeed = options.dataSeed ?? 1;
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? 100;
  const batchSize = options.batchSize ?? 32;
  const data = makeRegression({ samples: 1000, features: 20, informative: 10, noise: 0.1, seed: dataSeed });
  const trainSet = sliceDataset(data, 0, 500);
  const testSet = sliceDataset(data, 500, 1000);
  const model = createRegressionModel({ inputs: 20, hidden: 25, seed });
  const optimizer = tf.train.momentum(0.01, 0.9);
  return runExperiment({
    experiment: 'regression',
    settings: {
      dataSeed,
      seed,
      epochs,
      batchSize,
      samples: 1000,
      trainSamples: 500,
      learningRate: 0.01,
      momentum: 0.9,
    },
    model,
    optimizer,
    loss: 'meanSquaredError',
    train: trainSet,
    validation: testSet,
    test: testSet,
    epochs,
    batchSize,
    seed,
    clipping: options.clipping,
    onProgress: options.onProgress,
  });
}
