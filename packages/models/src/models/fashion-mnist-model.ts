import * as tf from '@tensorflow/tfjs';
import { checkInteger } from '../errors.js';
import { createSeededRandom } from '../random/seeded-random.js';
import { seedLayerWeights } from './seeded-weights.js';

export interface FashionMnistModelOptions {
  /** Seed of the initial weights. Default 0. */
  readonly seed?: number;
}

/**
 * The seed notebook's Fashion-MNIST MLP: Flatten(28 × 28) → Dense(300, he_normal, no bias) →
 * BatchNorm → ReLU → Dense(100, he_normal, no bias) → BatchNorm → ReLU → Dense(10, softmax).
 * 267,810 parameters (800 of them the non-trainable moving statistics), as in the notebook's summary.
 */
export function createFashionMnistModel(options: FashionMnistModelOptions = {}): tf.Sequential {
  const random = createSeededRandom(checkInteger('options.seed', options.seed ?? 0, 0, 0xffffffff));
  const first = tf.layers.dense({ units: 300, kernelInitializer: 'heNormal', useBias: false });
  const second = tf.layers.dense({ units: 100, kernelInitializer: 'heNormal', useBias: false });
  const output = tf.layers.dense({ units: 10, activation: 'softmax' });
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      first,
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      second,
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      output,
    ],
  });
  // Batch normalisation starts from constants (γ = 1, β = 0, mean 0, variance 1): nothing to seed.
  seedLayerWeights(first, [{ kind: 'heNormal' }], random);
  seedLayerWeights(second, [{ kind: 'heNormal' }], random);
  seedLayerWeights(output, [{ kind: 'glorotUniform' }, { kind: 'zeros' }], random);
  return model;
}
