/**
 * The seeds' regression experiment, self-contained for tests: a make_regression-style dataset
 * (Gaussian features, 10 informative with weights 100·U(0,1), noise 0.1) and the 20 → 25 ReLU → 1
 * MLP with he_uniform. Generated deterministically; @gradclip/models is deliberately not used.
 */
import { createRandom } from '@gradclip/core/backend';
import type * as tfjs from '@tensorflow/tfjs';

export interface RegressionData {
  readonly features: number;
  readonly samples: number;
  /** Row-major samples × features. */
  readonly x: Float32Array;
  readonly y: Float32Array;
}

export function makeRegression(options: {
  samples: number;
  features: number;
  informative: number;
  noise: number;
  seed: number;
}): RegressionData {
  const { samples, features, informative, noise, seed } = options;
  const random = createRandom(seed);
  const x = new Float32Array(samples * features);
  for (let i = 0; i < x.length; i++) x[i] = random.normal();
  const weights = new Float64Array(features);
  // As sklearn: the informative features are the first ones (before its column shuffle).
  for (let j = 0; j < informative; j++) weights[j] = 100 * random.uniform();
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    let sum = 0;
    for (let j = 0; j < features; j++) sum += (x[i * features + j] as number) * (weights[j] as number);
    y[i] = sum + noise * random.normal();
  }
  return { features, samples, x, y };
}

export function buildRegressionModel(tf: typeof tfjs, seed: number): tfjs.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      inputShape: [20],
      units: 25,
      activation: 'relu',
      kernelInitializer: tf.initializers.heUniform({ seed }),
    }),
  );
  model.add(
    tf.layers.dense({
      units: 1,
      activation: 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return model;
}
