import * as tf from '@tensorflow/tfjs';
import { checkInteger } from '../errors.js';
import { createSeededRandom } from '../random/seeded-random.js';
import { seedLayerWeights } from './seeded-weights.js';

export interface RegressionModelOptions {
  /** Input features. Default 20. */
  readonly inputs?: number;
  /** Hidden ReLU units. Default 25. */
  readonly hidden?: number;
  /** Seed of the initial weights. Default 0. */
  readonly seed?: number;
}

/**
 * The seed's regression MLP: Dense(25, ReLU, he_uniform) → Dense(1, linear, glorot_uniform),
 * biases zero. Weights come from the seed only (see `seedLayerWeights`).
 */
export function createRegressionModel(options: RegressionModelOptions = {}): tf.Sequential {
  const inputs = checkInteger('options.inputs', options.inputs ?? 20, 1);
  const hidden = checkInteger('options.hidden', options.hidden ?? 25, 1);
  const random = createSeededRandom(checkInteger('options.seed', options.seed ?? 0, 0, 0xffffffff));
  const hiddenLayer = tf.layers.dense({
    units: hidden,
    activation: 'relu',
    kernelInitializer: 'heUniform',
    inputShape: [inputs],
  });
  const outputLayer = tf.layers.dense({ units: 1, activation: 'linear' });
  const model = tf.sequential({ layers: [hiddenLayer, outputLayer] });
  seedLayerWeights(hiddenLayer, [{ kind: 'heUniform' }, { kind: 'zeros' }], random);
  seedLayerWeights(outputLayer, [{ kind: 'glorotUniform' }, { kind: 'zeros' }], random);
  return model;
}
