import * as tf from '@tensorflow/tfjs';
import { makeAddingProblem } from '../datasets/adding-problem.js';
import { checkInteger } from '../errors.js';
import { createAddingModel } from '../models/adding-model.js';
import type { ProgressEvent } from '../training/progress.js';
import type { GradientClipping } from '../training/tensor-bridge.js';
import type { ExperimentResult } from './experiment-result.js';
import { runExperiment } from './run-experiment.js';

export interface AddingExperimentOptions<T> {
  /** Omitted: no clipping — the gradient norm explodes. */
  readonly clipping?: GradientClipping<T>;
  /** Sequence length. Default 100. */
  readonly length?: number;
  /** Training sequences. Default 1,000. */
  readonly trainSamples?: number;
  /** Test sequences. Default 500. */
  readonly testSamples?: number;
  /** Recurrent units. Default 32. */
  readonly units?: number;
  /** Default 5. */
  readonly epochs?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /** SGD learning rate. Default 0.01. */
  readonly learningRate?: number;
  /** Default 1 (see `createAddingModel`). */
  readonly recurrentGain?: number;
  /** Seed of the data, the weights and the shuffles. Default 0. */
  readonly seed?: number;
  /**
   * Wraps the experiment's SGD optimizer, e.g. in `withClipping` from @gradclip/backend-tfjs so
   * that the optimizer clips inside `applyGradients` as it would under `model.fit`. The wrapper is
   * disposed (and with it, normally, the SGD) when the run ends. Default: plain SGD.
   */
  readonly wrapOptimizer?: (optimizer: tf.Optimizer) => tf.Optimizer;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * The adding problem (length 100 by default) with an IRNN trained by plain SGD (lr 0.01) on MSE.
 * Without clipping the gradient norm explodes at the second step (~1e11) and the loss never
 * recovers; with global-norm clipping the loss falls.
 */
export async function runAddingExperiment<T>(
  options: AddingExperimentOptions<T> = {},
): Promise<ExperimentResult> {
  const length = checkInteger('options.length', options.length ?? 100, 2);
  const trainSamples = checkInteger('options.trainSamples', options.trainSamples ?? 1000, 1);
  const testSamples = checkInteger('options.testSamples', options.testSamples ?? 500, 1);
  const units = options.units ?? 32;
  const epochs = options.epochs ?? 5;
  const batchSize = options.batchSize ?? 32;
  const learningRate = options.learningRate ?? 0.01;
  const recurrentGain = options.recurrentGain ?? 1;
  const seed = options.seed ?? 0;
  // Different seeds per split, derived from one, so train and test never share sequences.
  const trainSet = makeAddingProblem({ samples: trainSamples, length, seed });
  const testSet = makeAddingProblem({ samples: testSamples, length, seed: (seed + 0x9e3779b9) >>> 0 });
  const model = createAddingModel({ length, units, recurrentGain, seed });
  const sgd = tf.train.sgd(learningRate);
  const optimizer = options.wrapOptimizer === undefined ? sgd : options.wrapOptimizer(sgd);
  return runExperiment({
    experiment: 'adding',
    settings: {
      length,
      trainSamples,
      testSamples,
      units,
      epochs,
      batchSize,
      learningRate,
      recurrentGain,
      seed,
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
