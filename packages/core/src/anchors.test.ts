/**
 * Cross-checks against the anchor libraries, from fixtures made by the real libraries
 * (scripts/generate-anchor-fixtures.py: PyTorch 1.13, numpy with math.fsum norms).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clip } from './clipper.js';
import { maxUlpDistance, sameFloat32Array, ulpDistance } from './float32.js';
import { type GradientJson, gradientFromJson } from './gradient-json.js';
import { fromKerasOptions } from './keras-options.js';
import { fromPytorchOptions, type PytorchClipOptions } from './pytorch-options.js';
import type { ClipSpec, GlobalNormSpec } from './spec.js';
import { clipWithNorm } from './two-phase.js';

interface PytorchCase {
  id: string;
  function: string;
  options: PytorchClipOptions;
  input: GradientJson[];
  output: GradientJson[];
  totalNorm?: number | string;
  float32Overflow?: boolean;
  exactNorm?: number;
}
interface ExactCase {
  id: string;
  spec: ClipSpec;
  input: GradientJson[];
  output: GradientJson[];
  norm?: number;
  scale?: number;
}

const load = <C>(name: string): C[] =>
  JSON.parse(readFileSync(new URL(`../fixtures/anchors/${name}`, import.meta.url), 'utf8')).cases as C[];

const tensors = (list: GradientJson[]) =>
  list.map((gradient, i) => gradientFromJson(gradient, `fixture[${i}]`));

describe('PyTorch 1.13 clip_grad_norm_ / clip_grad_value_ (compat "pytorch", within 1 ULP)', () => {
  for (const fixture of load<PytorchCase>('pytorch.json')) {
    it(fixture.id, async () => {
      const spec = fromPytorchOptions(fixture.options, { compat: 'pytorch' });
      expect(spec).not.toBeNull();
      const { gradients, report } = await clip(tensors(fixture.input), spec as ClipSpec);
      if (fixture.float32Overflow) {
        // Where PyTorch's float32 sum of squares overflows (and it zeroes the gradients), the
        // float64 norm stays finite and the clipped gradients keep their direction.
        expect(Number.isFinite(report.normBefore)).toBe(true);
        expect(gradients.every((gradient) => gradient.values.every(Number.isFinite))).toBe(true);
        expect(gradients.some((gradient) => gradient.values.some((x) => x !== 0))).toBe(true);
        return;
      }
      const expected = tensors(fixture.output);
      const ulps = (actual: { values: Float32Array }[]) =>
        Math.max(
          0,
          ...actual.map((gradient, i) =>
            maxUlpDistance(gradient.values, (expected[i] as { values: Float32Array }).values),
          ),
        );
      if (typeof fixture.totalNorm !== 'number') {
        expect(ulps(gradients)).toBeLessThanOrEqual(1);
        return;
      }
      // The formula, given PyTorch's own total norm (clip_grads_with_norm_): within 1 ULP.
      const withTorchNorm = await clipWithNorm(
        tensors(fixture.input),
        spec as GlobalNormSpec,
        fixture.totalNorm,
      );
      expect(ulps(withTorchNorm.gradients)).toBeLessThanOrEqual(1);
      // End to end: PyTorch accumulates norms in float32 (its 500-element L2 norm is already 1 ULP
      // off, p = 3 several, and 1e-20² underflows), while ours is the exact norm (math.fsum). The
      // outputs differ from PyTorch's only as far as its norm differs from the exact one.
      expect(report.normBefore).toBeCloseTo(
        fixture.exactNorm as number,
        12 - Math.ceil(Math.log10(fixture.exactNorm as number)),
      );
      const normUlps = ulpDistance(Math.fround(report.normBefore), fixture.totalNorm);
      expect(ulps(gradients)).toBeLessThanOrEqual(1 + 2 * normUlps);
    });
  }
});

describe('exact mode against numpy float32 arithmetic and math.fsum norms (bit for bit)', () => {
  for (const fixture of load<ExactCase>('exact.json')) {
    it(fixture.id, async () => {
      const { gradients, report } = await clip(tensors(fixture.input), fixture.spec);
      const expected = tensors(fixture.output);
      gradients.forEach((gradient, i) => {
        expect(sameFloat32Array(gradient.values, (expected[i] as { values: Float32Array }).values)).toBe(
          true,
        );
      });
      if (fixture.norm !== undefined) expect(report.normBefore).toBeCloseTo(fixture.norm, 10);
      if (fixture.scale !== undefined) expect(report.scale).toBe(fixture.scale);
    });
  }
});

describe('the Keras seed example', () => {
  const seed = () => [{ shape: [2], values: new Float32Array([0.9, 100.0]) }];

  // The book prints the real-valued result to 6 significant digits (0.9 / 100.00405 =
  // 0.0089996355…). A float32 result is within half a printed digit plus float32 rounding.
  const printed = (actual: number | undefined, digits: number, value: number) =>
    expect(Math.abs((actual as number) - value)).toBeLessThanOrEqual(
      0.5 * 10 ** -digits + 2 * 2 ** -24 * value,
    );

  it('clipnorm 1.0 turns [0.9, 100.0] into [0.00899964, 0.9999595]', async () => {
    const { gradients } = await clip(seed(), fromKerasOptions({ clipnorm: 1.0 }) as ClipSpec);
    const [a, b] = gradients[0]?.values ?? [];
    printed(a, 8, 0.00899964);
    printed(b, 7, 0.9999595);
  });

  it('clipvalue 1.0 turns [0.9, 100.0] into [0.9, 1.0]', async () => {
    const { gradients } = await clip(seed(), fromKerasOptions({ clipvalue: 1.0 }) as ClipSpec);
    expect(Array.from(gradients[0]?.values ?? [])).toEqual([Math.fround(0.9), 1]);
  });

  it('gives Keras\'s own float32 bits in compat "keras": fround(g·c) / max(‖g‖, c)', async () => {
    const { gradients } = await clip(
      seed(),
      fromKerasOptions({ clipnorm: 1.0 }, { compat: 'keras' }) as ClipSpec,
    );
    const norm = Math.fround(Math.sqrt(Math.fround(Math.fround(0.9) ** 2 + 100 ** 2)));
    expect(Array.from(gradients[0]?.values ?? [])).toEqual([
      Math.fround(Math.fround(0.9) / norm),
      Math.fround(100 / norm),
    ]);
    printed(gradients[0]?.values[0], 8, 0.00899964);
  });
});
