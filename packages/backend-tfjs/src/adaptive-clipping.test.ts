/**
 * The adaptive kinds on TF.js: state bit-identical with the reference backend over 1,000 steps,
 * and `withClipping` with stateful kinds and AGC inside `model.fit`, its state kept by
 * `model.save()` / `tf.loadLayersModel()`.
 */
import { type ClipSpec, createClipper, type HostTensor } from '@gradclip/core';
import { createRandom } from '@gradclip/core/backend';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegressionModel, makeRegression } from '../test/regression-problem.js';
import { type ClippingOptimizer, registerClippingOptimizer, withClipping } from './clipping-optimizer.js';
import { createTfjsBackend } from './tfjs-backend.js';

const SHAPES = [[6, 5], [5], [12]];

/** Seeded gradients with occasional spikes (×30), as float32 host arrays. */
function* gradientSteps(seed: number, steps: number): Generator<Float32Array[]> {
  const random = createRandom(seed);
  for (let step = 0; step < steps; step++) {
    const level = (random.uniform() < 0.04 ? 30 : 1) * (0.5 + random.uniform());
    yield SHAPES.map((shape, i) => {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let k = 0; k < values.length; k++) values[k] = random.normal() * level * ((i + 1) / 10);
      return values;
    });
  }
}

describe('adaptive kinds on TF.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('1,000 steps of zClip then adaGC: the same thresholds, output bits and state bits as the reference', async () => {
    const spec: ClipSpec = {
      kind: 'chain',
      steps: [{ kind: 'zClip', maxNorm: 'Infinity' }, { kind: 'adaGC' }],
    };
    const backend = await createTfjsBackend({ tf });
    const onTfjs = createClipper(spec, { backend });
    const reference = createClipper(spec);
    let clipped = 0;
    for (const values of gradientSteps(9, 1000)) {
      const names = ['a', 'b', 'c'];
      const host: Record<string, HostTensor> = Object.fromEntries(
        values.map((v, i) => [names[i], { shape: SHAPES[i] as number[], values: v }]),
      );
      const tensors: Record<string, tf.Tensor> = Object.fromEntries(
        values.map((v, i) => [names[i], tf.tensor(v, SHAPES[i] as number[])]),
      );
      const want = reference.clipSync(host);
      const got = onTfjs.clipSync(tensors);
      expect(got.report.steps?.map((step) => step.threshold)).toEqual(
        want.report.steps?.map((step) => step.threshold),
      );
      for (const name of names) {
        expect(Buffer.from((got.gradients[name] as tf.Tensor).dataSync().buffer)).toEqual(
          Buffer.from((want.gradients[name] as HostTensor).values.buffer),
        );
      }
      if (want.report.clipped) clipped++;
      tf.dispose([...Object.values(tensors), ...(Object.values(got.gradients) as tf.Tensor[])]);
    }
    expect(JSON.stringify(onTfjs.state)).toBe(JSON.stringify(reference.state));
    expect(clipped).toBeGreaterThan(100);
  });

  it('withClipping(zClip) trains in model.fit; save and load keep the spec and the state', async () => {
    const data = makeRegression({ samples: 64, features: 20, informative: 10, noise: 0.1, seed: 3 });
    const [x, y] = [tf.tensor2d(data.x, [64, 20]), tf.tensor2d(data.y, [64, 1])];
    const model = buildRegressionModel(tf, 11);
    const thresholds: number[] = [];
    const optimizer = withClipping(
      tf.train.momentum(0.01, 0.9),
      { kind: 'zClip', warmup: 4 },
      {
        tf,
        onReport: (report) => thresholds.push(report.threshold as number),
      },
    );
    model.compile({ optimizer, loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    expect(thresholds).toHaveLength(8);
    expect(optimizer.clipState).toMatchObject({ kind: 'zClip', step: 8 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = { ...artifacts, trainingConfig: JSON.parse(JSON.stringify(artifacts.trainingConfig)) };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    registerClippingOptimizer(tf);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const restored = loaded.optimizer as ClippingOptimizer;
    expect(restored.clipState).toEqual(optimizer.clipState);
    await model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    await loaded.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    expect(restored.clipState).toEqual(optimizer.clipState);
    expect(restored.lastReport).toEqual(optimizer.lastReport);
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });

  it("withClipping(agc) reads each gradient's variable and keeps tensor names with underscores through save/load", async () => {
    const data = makeRegression({ samples: 32, features: 20, informative: 10, noise: 0.1, seed: 4 });
    const [x, y] = [tf.tensor2d(data.x, [32, 20]), tf.tensor2d(data.y, [32, 1])];
    const model = buildRegressionModel(tf, 12);
    const agc = withClipping(tf.train.sgd(0.01), { kind: 'agc', clipping: 0.01 }, { tf });
    model.compile({ optimizer: agc, loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    expect(agc.lastReport).toMatchObject({ kind: 'agc', clipped: true });

    const adaGc = withClipping(tf.train.sgd(0.01), { kind: 'adaGC', warmup: 1 }, { tf });
    model.compile({ optimizer: adaGc, loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    const state = adaGc.clipState;
    expect(state?.kind === 'adaGC' && state.tensors?.some((name) => name.includes('_'))).toBe(true);
    const config = JSON.parse(JSON.stringify(adaGc.getConfig()));
    registerClippingOptimizer(tf);
    const Class = tf.serialization.SerializationMap.getMap().classNameMap['gradclip>ClippingOptimizer'];
    const [cls, fromConfig] = Class as unknown as [
      never,
      (c: never, config: tf.serialization.ConfigDict) => ClippingOptimizer,
    ];
    // What tf.loadLayersModel does to the optimizer config: strings with underscores are camel-cased.
    const camel = (value: unknown, key?: string): unknown =>
      typeof value === 'string'
        ? key === 'name'
          ? value
          : value.replace(/_(.)/g, (_, c: string) => c.toUpperCase())
        : Array.isArray(value)
          ? value.map((item) => camel(item, key))
          : typeof value === 'object' && value !== null
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, camel(v, k)]))
            : value;
    const restored = fromConfig(cls, camel(config) as tf.serialization.ConfigDict);
    expect(restored.clipState).toEqual(state);
    tf.dispose([x, y]);
    model.dispose();
  });
});
