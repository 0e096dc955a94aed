import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegressionModel, makeRegression } from '../test/regression-problem.js';
import type { ClippingOptimizer } from './clipping-optimizer.js';
import {
  type KerasOptimizerConfig,
  optimizerFromKerasConfig,
  withKerasClipping,
} from './keras-optimizer-config.js';

/** What Keras 3 writes for `SGD(learning_rate=0.01, momentum=0.9, clipnorm=1.0)`. */
function kerasSgd(clip: Record<string, number | null>): KerasOptimizerConfig {
  return {
    class_name: 'SGD',
    config: {
      name: 'SGD',
      learning_rate: 0.01,
      weight_decay: null,
      clipnorm: null,
      global_clipnorm: null,
      clipvalue: null,
      use_ema: false,
      ema_momentum: 0.99,
      ema_overwrite_frequency: null,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
      momentum: 0.9,
      nesterov: false,
      ...clip,
    },
  };
}

/** A Keras-style model.json in memory: a TF.js topology and weights with a Keras training config. */
async function kerasArtifacts(optimizerConfig: KerasOptimizerConfig): Promise<tf.io.ModelArtifacts> {
  const model = buildRegressionModel(tf, 5);
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return {
    ...(saved as tf.io.ModelArtifacts),
    trainingConfig: {
      loss: 'mean_squared_error',
      metrics: [],
      optimizer_config: optimizerConfig as unknown as tf.io.TrainingConfig['optimizer_config'],
    },
  };
}

describe('Keras training configs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('TF.js alone drops clipnorm and momentum (the gap this closes)', async () => {
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory(await kerasArtifacts(kerasSgd({ clipnorm: 1 }))),
    );
    expect(loaded.optimizer.getClassName()).toBe('SGD');
    expect(loaded.optimizer.getConfig()).toEqual({ learningRate: 0.01 });
    loaded.dispose();
  });

  it('withKerasClipping keeps clipnorm (per tensor) and momentum, and the model trains', async () => {
    const artifacts = await kerasArtifacts(kerasSgd({ clipnorm: 1 }));
    const loaded = await tf.loadLayersModel(withKerasClipping(tf.io.fromMemory(artifacts), { tf }));
    const optimizer = loaded.optimizer as ClippingOptimizer;
    expect(optimizer.spec).toMatchObject({ kind: 'norm', maxNorm: 1, p: 2 });
    expect(optimizer.inner.getClassName()).toBe('Momentum');
    expect(optimizer.inner.getConfig()).toMatchObject({
      learningRate: 0.01,
      momentum: 0.9,
      useNesterov: false,
    });
    const data = makeRegression({ samples: 500, features: 20, informative: 10, noise: 0.1, seed: 1 });
    const [x, y] = [tf.tensor2d(data.x, [500, 20]), tf.tensor2d(data.y, [500, 1])];
    const history = await loaded.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0 });
    expect((history.history.loss as number[]).every(Number.isFinite)).toBe(true);
    expect(optimizer.lastReport?.kind).toBe('norm');
    tf.dispose([x, y]);
    loaded.dispose();
  });

  it('maps each Keras clip option with Keras 3 meaning', () => {
    const cases = [
      [{ clipnorm: 2 }, { kind: 'norm', maxNorm: 2 }],
      [{ global_clipnorm: 1.5 }, { kind: 'globalNorm', maxNorm: 1.5 }],
      [{ clipvalue: 0.5 }, { kind: 'value', min: -0.5, max: 0.5 }],
    ] as const;
    for (const [clip, spec] of cases) {
      const optimizer = optimizerFromKerasConfig(kerasSgd(clip), { tf });
      expect(optimizer.spec).toMatchObject(spec);
      optimizer.dispose();
    }
    // 0 disables clipping in Keras; the optimizer still keeps momentum.
    const none = optimizerFromKerasConfig(kerasSgd({ clipnorm: 0 }), { tf });
    expect(none.spec).toBeNull();
    expect(none.inner.getClassName()).toBe('Momentum');
    const adam = optimizerFromKerasConfig(
      {
        class_name: 'Adam',
        config: { learning_rate: 0.002, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-7, global_clipnorm: 1 },
      },
      { tf },
    );
    expect(adam.inner.getConfig()).toEqual({ learningRate: 0.002, beta1: 0.8, beta2: 0.99, epsilon: 1e-7 });
    expect(adam.spec).toMatchObject({ kind: 'globalNorm', maxNorm: 1 });
  });

  it('refuses what it cannot honour instead of dropping it', () => {
    expect(() => optimizerFromKerasConfig(kerasSgd({ clipnorm: 1, clipvalue: 1 }), { tf })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC' }),
    );
    expect(() => optimizerFromKerasConfig(kerasSgd({ weight_decay: 0.01 }), { tf })).toThrow(
      expect.objectContaining({
        code: 'INVALID_SPEC',
        field: 'optimizer_config.config.weight_decay',
        value: 0.01,
      }),
    );
    expect(() => optimizerFromKerasConfig({ class_name: 'Lion', config: {} }, { tf })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC', field: 'optimizer_config.class_name', value: 'Lion' }),
    );
    expect(() =>
      optimizerFromKerasConfig(
        { class_name: 'SGD', config: { learning_rate: { class_name: 'ExponentialDecay', config: {} } } },
        { tf },
      ),
    ).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC', field: 'optimizer_config.config.learning_rate' }),
    );
  });
});
