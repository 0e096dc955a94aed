/** blockRms against Optax's formula `u / max(1, rms(u) / threshold)`, evaluated independently in float64. */
import { describe, expect, it } from 'vitest';
import { createClipper } from '../clipper.js';
import { ulpDistance } from '../float32.js';
import { createRandom } from '../random.js';
import { createInexactBackend } from './inexact-backend.test-support.js';

describe('blockRms', () => {
  it('matches Optax within 1 ULP, leaves tensors at or below the threshold unchanged, same bits on inexact sums', () => {
    const random = createRandom(5);
    const shapes = [[7, 3], [64], [1], [2, 2, 2]];
    for (let trial = 0; trial < 40; trial++) {
      const gradients = shapes.map((shape, i) => {
        const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
        for (let k = 0; k < values.length; k++) values[k] = random.normal() * (trial % 4) * (i + 1) * 0.3;
        return { name: `t${i}`, shape, values };
      });
      const threshold = 0.5;
      const spec = { kind: 'blockRms', threshold } as const;
      const { gradients: out, report } = createClipper(spec).clipSync(gradients);
      const inexact = createClipper(spec, { backend: createInexactBackend(1e-3, trial) }).clipSync(gradients);
      gradients.forEach((input, i) => {
        let squares = 0;
        for (const g of input.values) squares += g * g;
        const rms = Math.sqrt(squares / input.values.length);
        const output = out[i]?.values as Float32Array;
        expect(Array.from(inexact.gradients[i]?.values ?? [])).toEqual(Array.from(output));
        if (rms <= threshold * (1 - 1e-12)) expect(out[i]).toBe(input);
        const divisor = Math.max(1, rms / threshold);
        input.values.forEach((g, k) => {
          expect(ulpDistance(output[k] as number, Math.fround(g / divisor))).toBeLessThanOrEqual(1);
        });
      });
      expect(report.perTensorThresholds?.[1]).toBe(threshold * 8);
    }
  });
});
