import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from '../random/seeded-random.js';

/**
 * How one weight is drawn. Keras's meanings: `heUniform` is U(±√(6/fanIn)); `heNormal` a normal
 * truncated at 2σ with σ = √(2/fanIn)/0.8796… (Keras corrects for the truncation; TF.js does
 * not); `glorotUniform` U(±√(6/(fanIn + fanOut))), the Dense default; `identity` a square
 * matrix `gain · I` (IRNN); `normal` N(0, std²).
 */
export type WeightInitializer =
  | { readonly kind: 'heUniform' }
  | { readonly kind: 'heNormal' }
  | { readonly kind: 'glorotUniform' }
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' }
  | { readonly kind: 'identity'; readonly gain: number }
  | { readonly kind: 'normal'; readonly std: number };

// Keras's truncated-normal correction: the std of N(0, 1) truncated to ±2.
const TRUNCATED_STD = 0.87962566103423978;

/** Values for a weight of `shape` (`[fanIn, fanOut]` for kernels), drawn from `random`. */
export function initialValues(
  initializer: WeightInitializer,
  shape: readonly number[],
  random: SeededRandom,
): Float32Array {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const fanIn = shape.length >= 2 ? (shape[shape.length - 2] as number) : (shape[0] ?? 1);
  const fanOut = shape.length >= 2 ? (shape[shape.length - 1] as number) : (shape[0] ?? 1);
  const values = new Float32Array(size);
  switch (initializer.kind) {
    case 'heUniform':
      return fillUniform(values, Math.sqrt(6 / fanIn), random);
    case 'glorotUniform':
      return fillUniform(values, Math.sqrt(6 / (fanIn + fanOut)), random);
    case 'heNormal': {
      const std = Math.sqrt(2 / fanIn) / TRUNCATED_STD;
      for (let i = 0; i < size; i++) {
        let draw = random.normal();
        while (draw < -2 || draw > 2) draw = random.normal();
        values[i] = std * draw;
      }
      return values;
    }
    case 'normal':
      for (let i = 0; i < size; i++) values[i] = initializer.std * random.normal();
      return values;
    case 'identity':
      for (let i = 0; i < Math.min(fanIn, fanOut); i++) values[i * fanOut + i] = initializer.gain;
      return values;
    case 'ones':
      return values.fill(1);
    case 'zeros':
      return values;
  }
}

function fillUniform(values: Float32Array, limit: number, random: SeededRandom): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = limit * (2 * random.uniform() - 1);
  return values;
}

/**
 * Replaces a built layer's weights (in `layer.getWeights()` order) with values drawn from
 * `random`, so that a model's initial state depends only on the seed, bit for bit, whatever
 * TF.js's own (Math.random-seeded) initializers drew.
 */
export function seedLayerWeights(
  layer: tf.layers.Layer,
  initializers: readonly WeightInitializer[],
  random: SeededRandom,
): void {
  const weights = layer.weights;
  if (weights.length !== initializers.length) {
    throw new Error(`${layer.name}: ${weights.length} weights but ${initializers.length} initializers`);
  }
  const tensors = weights.map((weight, i) => {
    const shape = weight.shape as number[];
    return tf.tensor(initialValues(initializers[i] as WeightInitializer, shape, random), shape);
  });
  layer.setWeights(tensors);
  tf.dispose(tensors);
}
