import * as tf from '@tensorflow/tfjs';
import { sliceDataset } from '../datasets/dataset.js';
import type { FashionMnist } from '../datasets/fashion-mnist.js';
import { checkFinite, checkInteger } from '../errors.js';
import { createFashionMnistModel } from '../models/fashion-mnist-model.js';
import type { ProgressEvent } from '../training/progress.js';
import type { GradientClipping } from '../training/tensor-bridge.js';
import type { ExperimentResult } from './experiment-result.js';
import { runExperiment } from './run-experiment.js';

export interface FashionMnistExperimentOptions<T> {
  /** The prepared data (`loadFashionMnist()` or `loadFashionMnistFiles(…)`): loading is the caller's. */
  readonly data: FashionMnist;
  /** The seed uses `clipvalue 1.0`; omitted: no clipping. */
  readonly clipping?: GradientClipping<T>;
  /** Default 5. */
  readonly epochs?: number;
  /** Default 32 (Keras). */
  readonly batchSize?: number;
  /** SGD learning rate. Default 0.01 (Keras's SGD default). */
  readonly learningRate?: number;
  /** Train on the first n training images only (the splits interleave classes, so a prefix is balanced). Default: all. */
  readonly trainLimit?: number;
  /** Validate and test on the first n images of those splits only. Default: all. */
  readonly evaluationLimit?: number;
  /** Seed of the weights and the shuffles. Default 0. */
  readonly seed?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * The seed notebook's Fashion-MNIST run: the BatchNorm MLP, SGD, sparse categorical
 * cross-entropy, validation on the 5,000 held-out images after every epoch, test accuracy at the end.
 */
export async function runFashionMnistExperiment<T>(
  options: FashionMnistExperimentOptions<T>,
): Promise<ExperimentResult> {
  const { data } = options;
  const epochs = options.epochs ?? 5;
  const batchSize = options.batchSize ?? 32;
  const learningRate = checkFinite('options.learningRate', options.learningRate ?? 0.01, 0);
  const seed = options.seed ?? 0;
  const trainLimit = checkInteger(
    'options.trainLimit',
    options.trainLimit ?? data.train.count,
    1,
    data.train.count,
  );
  const evaluationLimit = options.evaluationLimit ?? Number.MAX_SAFE_INTEGER;
  checkInteger('options.evaluationLimit', evaluationLimit, 1);
  const trainSet = sliceDataset(data.train, 0, trainLimit);
  const validationSet = sliceDataset(data.validation, 0, Math.min(evaluationLimit, data.validation.count));
  const testSet = sliceDataset(data.test, 0, Math.min(evaluationLimit, data.test.count));
  const model = createFashionMnistModel({ seed });
  const optimizer = tf.train.sgd(learningRate);
  return runExperiment({
    experiment: 'fashion-mnist',
    settings: {
      seed,
      epochs,
      batchSize,
      learningRate,
      trainImages: trainSet.count,
      validationImages: validationSet.count,
      testImages: testSet.count,
    },
    model,
    optimizer,
    loss: 'sparseCategoricalCrossentropy',
    train: trainSet,
    validation: validationSet,
    test: testSet,
    epochs,
    batchSize,
    seed,
    clipping: options.clipping,
    onProgress: options.onProgress,
  });
}
