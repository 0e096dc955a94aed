/** lossScaled: one pass gives the bits of unscaling then clipping; an overflow reports itself. */
import { describe, expect, it } from 'vitest';
import { clip, createClipper } from '../clipper.js';
import { ClipError } from '../errors.js';
import { parseSpec } from '../parse-spec.js';
import { createRandom } from '../random.js';
import type { HostTensor } from '../reference/host-tensor.js';
import { createInexactBackend } from './inexact-backend.test-support.js';

describe('lossScaled', () => {
  it('equals unscaling then clipping by global norm, bit for bit, on exact and inexact sums', async () => {
    const random = createRandom(17);
    for (let trial = 0; trial < 60; trial++) {
      const lossScale = 2 ** (trial % 20);
      const gradients: HostTensor[] = [[4, 3], [7]].map((shape) => {
        const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
        for (let k = 0; k < values.length; k++) values[k] = random.normal() * lossScale * (trial % 3);
        return { shape, values };
      });
      const spec = { kind: 'lossScaled', lossScale, maxNorm: 1 } as const;
      const unscaled = gradients.map((tensor) => ({
        shape: tensor.shape,
        values: tensor.values.map((g) => g / lossScale),
      }));
      const want = await clip(unscaled, { kind: 'globalNorm', maxNorm: 1 });
      for (const backend of [undefined, createInexactBackend(1e-3, trial)]) {
        const got = await clip(gradients, spec, backend === undefined ? {} : { backend });
        got.gradients.forEach((tensor, i) => {
          expect(Array.from(tensor.values)).toEqual(Array.from(want.gradients[i]?.values ?? []));
        });
        expect(got.report.scale).toBe(want.report.scale);
      }
    }
  });

  it('an overflow under "skip" comes back skipped with its count, for a dynamic loss scaler', () => {
    const clipper = createClipper({ kind: 'lossScaled', lossScale: 65536, maxNorm: 1, nonFinite: 'skip' });
    const { report } = clipper.clipSync([
      { shape: [2], values: new Float32Array([1, Number.POSITIVE_INFINITY]) },
    ]);
    expect(report).toMatchObject({ skipped: true, nonFiniteCount: 1 });
  });

  it.each([[3], [0], [-2], [Number.POSITIVE_INFINITY], [2 ** 101]])('refuses lossScale %s', (lossScale) => {
    expect(() => parseSpec({ kind: 'lossScaled', lossScale, maxNorm: 1 })).toThrow(ClipError);
  });
});
