import { clip } from '@gradclip/core';
import { sameFloat32Array } from '@gradclip/core/backend';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClippingOptimizer, withClipping } from './clipping-optimizer.js';

const KERNEL = new Float32Array([3, -4, 0.25, 7, -0, 1]);
const BIAS = new Float32Array([12, -5, 0.5]);

/** With SGD at learning rate 1 from zero weights, each weight ends at exactly minus its gradient. */
function zeroVariables(prefix: string) {
  return {
    kernel: tf.variable(tf.zeros([2, 3]), true, `${prefix}/kernel`),
    bias: tf.variable(tf.zeros([3]), true, `${prefix}/bias`),
  };
}

function negated(variable: tf.Variable): Float32Array {
  return (variable.dataSync() as Float32Array).map((value) => -value);
}

for (const tfBackend of ['cpu', 'wasm']) {
  describe(`withClipping on tfjs:${tfBackend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(tfBackend);
    });

    it('applyGradients (map and list) applies exactly the oracle-clipped gradients', async () => {
      const expected = await clip(
        [
          { shape: [2, 3], values: KERNEL },
          { shape: [3], values: BIAS },
        ],
        { kind: 'globalNorm', maxNorm: 1 },
      );
      for (const form of ['map', 'list'] as const) {
        const variables = zeroVariables(`exact-${tfBackend}-${form}`);
        const optimizer = withClipping(tf.train.sgd(1), { global_clipnorm: 1 }, { tf });
        const kernel = tf.tensor2d(KERNEL, [2, 3]);
        const bias = tf.tensor1d(BIAS);
        const before = tf.memory().numTensors;
        optimizer.applyGradients(
          form === 'map'
            ? { [variables.kernel.name]: kernel, [variables.bias.name]: bias }
            : [
                { name: variables.kernel.name, tensor: kernel },
                { name: variables.bias.name, tensor: bias },
              ],
        );
        expect(tf.memory().numTensors).toBe(before);
        expect(
          sameFloat32Array(negated(variables.kernel), expected.gradients[0]?.values as Float32Array),
        ).toBe(true);
        expect(sameFloat32Array(negated(variables.bias), expected.gradients[1]?.values as Float32Array)).toBe(
          true,
        );
        expect(optimizer.lastReport).toMatchObject({ kind: 'globalNorm', clipped: true, skipped: false });
        expect(optimizer.lastReport?.normBefore).toBeCloseTo(Math.hypot(...KERNEL, ...BIAS), 12);
        tf.dispose([kernel, bias, variables.kernel, variables.bias]);
        optimizer.dispose();
      }
    });

    it('the skip policy skips the update and says so in the report', () => {
      const variables = zeroVariables(`skip-${tfBackend}`);
      const reports: unknown[] = [];
      const optimizer = withClipping(
        tf.train.momentum(0.1, 0.9),
        { clipnorm: 1 },
        {
          tf,
          nonFinite: 'skip',
          onReport: (report) => reports.push(report),
        },
      );
      const good = { [variables.kernel.name]: tf.ones([2, 3]), [variables.bias.name]: tf.ones([3]) };
      const bad = {
        [variables.kernel.name]: tf.ones([2, 3]),
        [variables.bias.name]: tf.tensor1d([1, Number.NaN, 1]),
      };
      optimizer.applyGradients(good);
      const afterGood = variables.kernel.dataSync().slice();
      expect(optimizer.iterations).toBe(1);
      const before = tf.memory().numTensors;
      optimizer.applyGradients(bad);
      expect(tf.memory().numTensors).toBe(before);
      expect(optimizer.lastReport).toMatchObject({ skipped: true, nonFiniteCount: 1 });
      expect(Array.from(variables.kernel.dataSync())).toEqual(Array.from(afterGood));
      expect(optimizer.iterations).toBe(1);
      expect(reports).toHaveLength(2);
      tf.dispose([...Object.values(good), ...Object.values(bad), variables.kernel, variables.bias]);
      optimizer.dispose();
    });

    it('minimize clips, returns the cost and leaks nothing, also when the step throws', () => {
      const w = tf.variable(tf.tensor1d([100, -100]), true, `minimize-${tfBackend}/w`);
      const optimizer = withClipping(tf.train.sgd(1), { clipnorm: 1 }, { tf });
      const loss = () => tf.sum(tf.square(w)) as tf.Scalar;
      const before = tf.memory().numTensors;
      const cost = optimizer.minimize(loss, true, [w]);
      expect(cost?.dataSync()[0]).toBe(20000);
      cost?.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // Gradient (200, -200), clipped to norm 1: each component fround(200 · fround(1 / (200√2))).
      const scale = Math.fround(1 / Math.hypot(200, 200));
      expect(Array.from(w.dataSync())).toEqual([
        Math.fround(100 - Math.fround(200 * scale)),
        Math.fround(-100 + Math.fround(200 * scale)),
      ]);
      const poisoned = () => tf.sum(tf.mul(tf.square(w), Number.NaN)) as tf.Scalar;
      expect(() => optimizer.minimize(poisoned, true)).toThrow(
        expect.objectContaining({ code: 'NON_FINITE_GRADIENT' }),
      );
      expect(tf.memory().numTensors).toBe(before);
      w.dispose();
      optimizer.dispose();
    });

    it('passes variables without a gradient through and ignores them in the norm', () => {
      const variables = zeroVariables(`missing-${tfBackend}`);
      const optimizer = withClipping(tf.train.sgd(1), { kind: 'globalNorm', maxNorm: 1 }, { tf });
      const bias = tf.tensor1d([3, 4, 0]);
      optimizer.applyGradients([
        { name: variables.kernel.name, tensor: null as unknown as tf.Tensor },
        { name: variables.bias.name, tensor: bias },
      ]);
      expect(optimizer.lastReport?.normBefore).toBe(5);
      expect(Array.from(variables.kernel.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
      tf.dispose([bias, variables.kernel, variables.bias]);
      optimizer.dispose();
    });
  });
}

describe('withClipping settings', () => {
  it('accepts specs and Keras options with Keras 3 meaning', () => {
    const make = (setting: Parameters<typeof withClipping>[1]) =>
      withClipping(tf.train.sgd(0.1), setting, { tf }) as ClippingOptimizer;
    expect(make({ clipnorm: 1 }).spec).toMatchObject({ kind: 'norm', maxNorm: 1, p: 2 });
    expect(make({ global_clipnorm: 2 }).spec).toMatchObject({ kind: 'globalNorm', maxNorm: 2 });
    expect(make({ clipvalue: 5 }).spec).toMatchObject({ kind: 'value', min: -5, max: 5 });
    expect(make({ clipnorm: 0 }).spec).toBeNull();
    expect(make({ kind: 'norm', maxNorm: 3, axes: [0] }).spec).toMatchObject({ kind: 'norm', axes: [0] });
    expect(
      withClipping(tf.train.sgd(0.1), { kind: 'globalNorm', maxNorm: 1 }, { tf, nonFinite: 'zero' }).spec,
    ).toMatchObject({
      nonFinite: 'zero',
    });
  });

  it('refuses invalid settings with a ClipError naming the field', () => {
    expect(() => withClipping(tf.train.sgd(0.1), { clipnorm: 1, clipvalue: 1 }, { tf })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC' }),
    );
    expect(() => withClipping(tf.train.sgd(0.1), { clipnorm: -1 }, { tf })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC', field: 'options.clipnorm' }),
    );
    expect(() => withClipping({} as tf.Optimizer, { clipnorm: 1 }, { tf })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC', field: 'optimizer' }),
    );
  });

  it('is a real tf.Optimizer and delegates the iteration count and weights', async () => {
    const optimizer = withClipping(tf.train.adam(0.01), { clipvalue: 1 }, { tf });
    expect(optimizer).toBeInstanceOf(tf.Optimizer);
    expect(optimizer.getClassName()).toBe('gradclip>ClippingOptimizer');
    expect(optimizer.iterations).toBe(0);
    const weights = await optimizer.getWeights();
    expect(weights.map((weight) => weight.name)).toEqual(['iter']);
    tf.dispose(weights.map((weight) => weight.tensor));
    optimizer.dispose();
  });
});
