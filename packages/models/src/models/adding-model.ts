import * as tf from '@tensorflow/tfjs';
import { checkFinite, checkInteger } from '../errors.js';
import { createSeededRandom } from '../random/seeded-random.js';
import { seedLayerWeights } from './seeded-weights.js';

export interface AddingModelOptions {
  /** Time steps of the input sequences. */
  readonly length: number;
  /** Recurrent units. Default 32. */
  readonly units?: number;
  /**
   * The recurrent kernel starts as `gain · I` (IRNN: 1). A ReLU RNN carries a signal — and its
   * gradient — through every step unattenuated at gain 1; any growth of the recurrent weights
   * above it is raised to the power of the sequence length. Default 1.
   */
  readonly recurrentGain?: number;
  /** Seed of the initial weights. Default 0. */
  readonly seed?: number;
}

/**
 * A plain recurrent network for the adding problem: SimpleRNN(ReLU) with an identity-like
 * recurrent kernel (IRNN, Le et al. 2015) and small N(0, 0.001²) input weights → Dense(1). Its
 * gradients explode over long sequences unless clipped.
 */
export function createAddingModel(options: AddingModelOptions): tf.Sequential {
  const length = checkInteger('options.length', options.length, 1);
  const units = checkInteger('options.units', options.units ?? 32, 1);
  const gain = checkFinite('options.recurrentGain', options.recurrentGain ?? 1, 0);
  const random = createSeededRandom(checkInteger('options.seed', options.seed ?? 0, 0, 0xffffffff));
  const recurrent = tf.layers.simpleRNN({ units, activation: 'relu', inputShape: [length, 2] });
  const output = tf.layers.dense({ units: 1 });
  const model = tf.sequential({ layers: [recurrent, output] });
  seedLayerWeights(
    recurrent,
    [{ kind: 'normal', std: 0.001 }, { kind: 'identity', gain }, { kind: 'zeros' }],
    random,
  );
  seedLayerWeights(output, [{ kind: 'glorotUniform' }, { kind: 'zeros' }], random);
  return model;
}
