import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegressionModel, makeRegression } from '../test/regression-problem.js';
import { type ClippingOptimizer, registerClippingOptimizer, withClipping } from './clipping-optimizer.js';

async function saveToMemory(model: tf.LayersModel, includeOptimizer: boolean): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer },
  );
  if (saved === undefined) throw new Error('nothing was saved');
  // What a model.json file holds: JSON text, so "Infinity" and friends must survive as strings.
  return { ...saved, trainingConfig: JSON.parse(JSON.stringify(saved.trainingConfig)) };
}

describe('model.save() then tf.loadLayersModel() keeps the clip settings', () => {
  const data = makeRegression({ samples: 64, features: 20, informative: 10, noise: 0.1, seed: 3 });
  const xs = () => tf.tensor2d(data.x, [64, 20]);
  const ys = () => tf.tensor2d(data.y, [64, 1]);

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [label, setting] of [
    ['Keras clipnorm', { clipnorm: 1 }],
    ['Keras clipvalue', { clipvalue: 5 }],
    ['Keras global_clipnorm', { global_clipnorm: 0.5 }],
    [
      'a chain with an infinite bound and skip',
      {
        kind: 'chain',
        nonFinite: 'skip',
        steps: [
          { kind: 'value', min: '-Infinity', max: 5 },
          { kind: 'norm', maxNorm: 2, p: 'inf', axes: [0] },
        ],
      },
    ],
  ] as const) {
    it(label, async () => {
      const model = buildRegressionModel(tf, 11);
      const optimizer = withClipping(tf.train.momentum(0.01, 0.9), setting, { tf });
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const [x, y] = [xs(), ys()];
      await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
      const artifacts = await saveToMemory(model, true);
      expect(artifacts.trainingConfig?.optimizer_config).toMatchObject({
        class_name: 'gradclip>ClippingOptimizer',
      });

      // A fresh process would call this once before loading; it is never done on import.
      registerClippingOptimizer(tf);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const restored = loaded.optimizer as ClippingOptimizer;
      expect(restored.getClassName()).toBe('gradclip>ClippingOptimizer');
      expect(restored.spec).toEqual(optimizer.spec);
      expect(restored.inner.getClassName()).toBe('Momentum');
      expect(restored.inner.getConfig()).toEqual({ learningRate: 0.01, momentum: 0.9, useNesterov: false });
      // The optimizer's weights (iteration count, momentum slots) came back too.
      expect(restored.iterations).toBe(optimizer.iterations);
      expect(restored.iterations).toBe(8);
      // Training goes on as if never saved: one more epoch of the original and of the loaded model
      // gives the same steps, the same last report and the same weights, bit for bit.
      await model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
      await loaded.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
      expect(restored.iterations).toBe(12);
      expect(optimizer.iterations).toBe(12);
      expect(restored.lastReport?.kind).toBe(optimizer.spec?.kind);
      expect(restored.lastReport).toEqual(optimizer.lastReport);
      const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
      expect(weights(loaded)).toEqual(weights(model));
      tf.dispose([x, y]);
      model.dispose();
      loaded.dispose();
      optimizer.dispose();
      restored.dispose();
    });
  }
});
