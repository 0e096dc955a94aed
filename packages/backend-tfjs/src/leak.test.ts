import { type ClipSpec, clip, clipSync } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTfjsBackend, createTfjsBackend, type TfjsBackend } from './tfjs-backend.js';
import type { TfjsModule } from './tfjs-module.js';

/** Runs `body` and checks that TF.js holds exactly as many tensors afterwards as before. */
async function expectNoLeak(body: () => unknown): Promise<unknown> {
  const before = tf.memory().numTensors;
  let thrown: unknown;
  try {
    await body();
  } catch (error) {
    thrown = error;
  }
  expect(tf.memory().numTensors).toBe(before);
  return thrown;
}

const SUCCESS: readonly (readonly [string, ClipSpec])[] = [
  ['value', { kind: 'value', min: -0.5, max: 0.5 }],
  ['value, infinite bounds', { kind: 'value', min: '-Infinity', max: 'Infinity' }],
  ['norm', { kind: 'norm', maxNorm: 1 }],
  ['norm below the threshold', { kind: 'norm', maxNorm: 1e9 }],
  ['norm over axes', { kind: 'norm', maxNorm: 0.5, axes: [0] }],
  ['norm, compat keras (multiply then divide)', { kind: 'norm', maxNorm: 1, compat: 'keras' }],
  ['norm, compat optax (divide then multiply)', { kind: 'norm', maxNorm: 1, compat: 'optax' }],
  ['globalNorm', { kind: 'globalNorm', maxNorm: 1 }],
  ['globalNorm p = inf', { kind: 'globalNorm', maxNorm: 1, p: 'inf' }],
  [
    'chain',
    {
      kind: 'chain',
      steps: [
        { kind: 'value', min: -2, max: 2 },
        { kind: 'globalNorm', maxNorm: 1 },
      ],
    },
  ],
];

const NON_FINITE: readonly ClipSpec[] = [
  { kind: 'globalNorm', maxNorm: 1, nonFinite: 'nanAll' },
  { kind: 'globalNorm', maxNorm: 1, nonFinite: 'zero' },
  { kind: 'globalNorm', maxNorm: 1, nonFinite: 'skip' },
  { kind: 'globalNorm', maxNorm: 1, nonFinite: 'propagate' },
  { kind: 'value', min: -1, max: 1, nonFinite: 'zero' },
];

for (const tfBackend of ['cpu', 'wasm']) {
  describe(`no leaked tensors on tfjs:${tfBackend}`, () => {
    let backend: TfjsBackend;
    let kernel: tf.Tensor;
    let bias: tf.Tensor;
    beforeAll(async () => {
      await tf.setBackend(tfBackend);
      backend = await createTfjsBackend({ tf });
      kernel = tf.tensor2d([
        [3, -4, 0.25],
        [-0, 7, 1],
      ]);
      bias = tf.tensor1d([12, -5, 0.5]);
    });
    afterAll(() => tf.dispose([kernel, bias]));

    it('reports the TF.js backend in use', () => {
      expect(backend.id).toBe(`tfjs:${tfBackend}`);
      expect(backend.manifest.maxUlp).toBe(0);
    });

    for (const [label, spec] of SUCCESS) {
      it(`succeeds without leaks: ${label}, list and map, clip and clipSync`, async () => {
        await expectNoLeak(async () => {
          const list = await clip([kernel, bias], spec, { backend });
          const map = clipSync({ kernel, bias }, spec, { backend });
          // The caller owns the outputs: free the new ones, never the inputs that came back.
          for (const output of [...list.gradients, ...Object.values(map.gradients)]) {
            if (output !== kernel && output !== bias) output.dispose();
          }
        });
      });
    }

    for (const spec of NON_FINITE) {
      it(`succeeds without leaks on non-finite input: ${spec.kind}, ${spec.nonFinite}`, async () => {
        const bad = tf.tensor1d([1, Number.NaN, Number.POSITIVE_INFINITY, -2]);
        await expectNoLeak(() => {
          const { gradients } = clipSync([kernel, bad], spec, { backend });
          for (const output of gradients) if (output !== kernel && output !== bad) output.dispose();
        });
        bad.dispose();
      });
    }

    it('leaks nothing on an invalid spec', async () => {
      const error = await expectNoLeak(() => clipSync([kernel], { kind: 'norm', maxNorm: -1 }, { backend }));
      expect(error).toMatchObject({ code: 'INVALID_SPEC', field: 'spec.maxNorm' });
    });

    it('leaks nothing on a non-finite gradient under the error policy', async () => {
      const bad = tf.tensor1d([1, 2, Number.NaN]);
      for (const spec of [
        { kind: 'globalNorm', maxNorm: 1 },
        { kind: 'value', min: -1, max: 1 },
        {
          kind: 'chain',
          steps: [
            { kind: 'value', min: -0.5, max: 0.5, nonFinite: 'propagate' },
            { kind: 'norm', maxNorm: 1 },
          ],
        },
      ] as const) {
        const error = await expectNoLeak(() => clipSync({ kernel, bad }, spec, { backend }));
        expect(error).toMatchObject({ code: 'NON_FINITE_GRADIENT', tensor: 'bad', index: 2 });
      }
      bad.dispose();
    });

    it('leaks nothing on a gradient of the wrong dtype', async () => {
      const counts = tf.tensor1d([1, 2, 3], 'int32');
      const error = await expectNoLeak(() =>
        clipSync({ kernel, counts }, { kind: 'globalNorm', maxNorm: 1 }, { backend }),
      );
      expect(error).toMatchObject({
        code: 'INVALID_GRADIENTS',
        field: 'gradients["counts"].dtype',
        value: 'int32',
        expected: 'float32',
      });
      counts.dispose();
    });

    it('leaks nothing on a disposed tensor or a value that is no tensor', async () => {
      const gone = tf.tensor1d([1]);
      gone.dispose();
      const disposed = await expectNoLeak(() =>
        clipSync([kernel, gone], { kind: 'norm', maxNorm: 1 }, { backend }),
      );
      expect(disposed).toMatchObject({ code: 'INVALID_GRADIENTS', field: 'gradients[1]' });
      const array = await expectNoLeak(() =>
        clipSync([kernel, [1, 2] as unknown as tf.Tensor], { kind: 'norm', maxNorm: 1 }, { backend }),
      );
      expect(array).toMatchObject({ code: 'INVALID_GRADIENTS', field: 'gradients[1]', value: 'Array' });
    });

    it('leaks nothing when axes do not fit', async () => {
      const error = await expectNoLeak(() =>
        clipSync([bias], { kind: 'norm', maxNorm: 1, axes: [3] }, { backend }),
      );
      expect(error).toMatchObject({ code: 'SHAPE_MISMATCH' });
    });

    it('leaks nothing when a TF.js op fails in the middle of a step', async () => {
      // A chain clips by value first (a tensor core must release), then fails inside scale after
      // the multiply: tf.tidy must free the product, core the clamped tensors.
      const failing = {
        ...tf,
        div: () => {
          throw new Error('device lost');
        },
      } as unknown as TfjsModule;
      const broken = buildTfjsBackend({ tf: failing });
      const spec: ClipSpec = {
        kind: 'chain',
        steps: [
          { kind: 'value', min: -6, max: 6 },
          { kind: 'norm', maxNorm: 1, compat: 'keras' },
        ],
      };
      const error = await expectNoLeak(() => clipSync([kernel, bias], spec, { backend: broken }));
      expect((error as Error).message).toBe('device lost');
    });

    it('leaks nothing when clipSync meets asynchronous read-back', async () => {
      const asynchronous = buildTfjsBackend({ tf, readback: 'async' });
      const error = await expectNoLeak(() =>
        clipSync([kernel], { kind: 'globalNorm', maxNorm: 1 }, { backend: asynchronous }),
      );
      expect(error).toMatchObject({ code: 'BACKEND_CONTRACT' });
      // The same backend works with clip().
      await expectNoLeak(async () => {
        const { gradients } = await clip(
          [kernel],
          { kind: 'globalNorm', maxNorm: 1 },
          { backend: asynchronous },
        );
        for (const output of gradients) if (output !== kernel) output.dispose();
      });
    });
  });
}
