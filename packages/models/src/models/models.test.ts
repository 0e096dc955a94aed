import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAddingModel } from './adding-model.js';
import { createFashionMnistModel } from './fashion-mnist-model.js';
import { createRegressionModel } from './regression-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().map((weight) => Array.from(weight.dataSync()));

describe('reference models', () => {
  it('regression MLP: 20 → 25 ReLU (he_uniform) → 1, weights from the seed only', () => {
    const model = createRegressionModel({ seed: 5 });
    expect(model.countParams()).toBe(20 * 25 + 25 + 25 + 1);
    const [kernel] = weightsOf(model) as [number[]];
    const limit = Math.sqrt(6 / 20);
    expect(kernel.every((value) => Math.abs(value) <= limit)).toBe(true);
    expect(Math.max(...kernel.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(weightsOf(createRegressionModel({ seed: 5 }))).toEqual(weightsOf(model));
    expect(weightsOf(createRegressionModel({ seed: 6 }))).not.toEqual(weightsOf(model));
  });

  it('Fashion-MNIST MLP: the seed notebook architecture (267,810 parameters)', () => {
    const model = createFashionMnistModel({ seed: 1 });
    expect(model.countParams()).toBe(267_810);
    expect(model.layers.map((layer) => layer.getClassName())).toEqual([
      'Flatten',
      'Dense',
      'BatchNormalization',
      'Activation',
      'Dense',
      'BatchNormalization',
      'Activation',
      'Dense',
    ]);
    const first = weightsOf(model)[0] as number[];
    // Truncated normal at 2σ with Keras's correction: |w| ≤ 2σ and the std is √(2/784).
    const sigma = Math.sqrt(2 / 784) / 0.87962566103423978;
    expect(first.every((value) => Math.abs(value) <= 2 * sigma + 1e-7)).toBe(true);
    const std = Math.sqrt(first.reduce((sum, value) => sum + value * value, 0) / first.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 784), 3);
  });

  it('adding model: SimpleRNN with an identity recurrent kernel', () => {
    const model = createAddingModel({ length: 10, units: 4, recurrentGain: 1.5 });
    const [, recurrent] = weightsOf(model) as [number[], number[]];
    expect(recurrent).toEqual([1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 1.5]);
    expect(() => createAddingModel({ length: 10, units: 0 })).toThrow(/options\.units: got 0/);
  });
});
