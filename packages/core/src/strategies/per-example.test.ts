import { describe, expect, it } from 'vitest';
import { clip } from '../clipper.js';
import { ClipError } from '../errors.js';
import { parseSpec } from '../parse-spec.js';
import { specToJson } from '../spec-to-json.js';

// Two tensors holding a batch of 3 examples: example norms 5, 0.5 and 13 across both tensors.
const gradients = () => [
  { shape: [3, 2], values: new Float32Array([3, 0, 0.3, 0, 5, 0]) },
  { shape: [3], values: new Float32Array([4, 0.4, 12]) },
];

describe('perExample (DP-SGD)', () => {
  it('clips each example by its own norm across all tensors, then sums over the batch (Optax)', async () => {
    const { gradients: out, report } = await clip(gradients(), { kind: 'perExample', maxNorm: 1 });
    const s0 = Math.fround(1 / 5);
    const s2 = Math.fround(1 / 13);
    const sum = (values: number[]) => Math.fround(values.reduce((a, b) => a + b, 0));
    expect(out[0]?.shape).toEqual([2]);
    expect(Array.from(out[0]?.values ?? [])).toEqual([
      sum([Math.fround(3 * s0), 0.30000001192092896, Math.fround(5 * s2)]),
      0,
    ]);
    expect(Array.from(out[1]?.values ?? [])).toEqual([
      sum([Math.fround(4 * s0), 0.4000000059604645, Math.fround(12 * s2)]),
    ]);
    expect(report.clippedExamples).toBe(2);
    expect(report.scale).toBe(s2);
  });

  it('keeps the batch with reduce "none", and averages with "mean"', async () => {
    const kept = await clip(gradients(), { kind: 'perExample', maxNorm: 1, reduce: 'none' });
    expect(kept.gradients[1]?.shape).toEqual([3]);
    expect(Array.from(kept.gradients[1]?.values ?? [])).toEqual([
      Math.fround(4 * Math.fround(1 / 5)),
      Math.fround(0.4),
      Math.fround(12 * Math.fround(1 / 13)),
    ]);
    const summed = await clip(gradients(), { kind: 'perExample', maxNorm: 1 });
    const mean = await clip(gradients(), { kind: 'perExample', maxNorm: 1, reduce: 'mean' });
    expect(mean.gradients[1]?.values[0]).toBeCloseTo((summed.gradients[1]?.values[0] as number) / 3, 6);
  });

  it("compat 'pytorch' is Opacus's factor min(1, c / (n + 1e-6)), applied to every example", async () => {
    const { report } = await clip(gradients(), {
      kind: 'perExample',
      maxNorm: 1,
      compat: 'pytorch',
      reduce: 'none',
    });
    // The example of norm 0.5 gets min(1, 1 / 0.500001) = 1; the one of norm 13 the smallest factor.
    expect(report.clippedExamples).toBe(2);
    expect(report.scale).toBe(Math.fround(Math.fround(1 / Math.fround(13 + Math.fround(1e-6))) * 1));
    expect(report.scale).not.toBe(Math.fround(1 / 13));
  });

  it('hands the later steps of a chain the batch-reduced shapes', async () => {
    // blockRms after the sum sees a tensor of 2 elements (threshold 0.1 · √2), not the batch's 6.
    const chain = await clip(gradients(), {
      kind: 'chain',
      steps: [
        { kind: 'perExample', maxNorm: 1 },
        { kind: 'blockRms', threshold: 0.1 },
      ],
    });
    const summed = await clip(gradients(), { kind: 'perExample', maxNorm: 1 });
    const alone = await clip(summed.gradients, { kind: 'blockRms', threshold: 0.1 });
    expect(chain.gradients.map((g) => g.shape)).toEqual([[2], []]);
    expect(chain.report.steps?.[1]?.perTensorThresholds).toEqual(alone.report.perTensorThresholds);
    expect(chain.report.steps?.[1]?.perTensorThresholds?.[0]).toBe(0.1 * Math.SQRT2);
    chain.gradients.forEach((g, i) => {
      expect(g.values).toEqual(alone.gradients[i]?.values);
    });
    // Inside a group too: the group's outputs keep their reduced shapes.
    const grouped = await clip(
      gradients().map((gradient, i) => ({ name: i === 0 ? 'a' : 'b', ...gradient })),
      {
        kind: 'groups',
        groups: [{ name: 'dp', tensors: ['a', 'b'], spec: { kind: 'perExample', maxNorm: 1 } }],
      },
      { perTensorNorms: true },
    );
    expect(grouped.gradients.map((g) => g.shape)).toEqual([[2], []]);
    expect(grouped.report.perTensorNorms).toEqual(
      [Math.sqrt(9 + 0.09 + 25), Math.sqrt(16 + 0.16 + 144)].map((n) => expect.closeTo(n, 6)),
    );
  });

  it('reports the norm of each tensor over the whole batch, and the batch size', async () => {
    const { report } = await clip(gradients(), { kind: 'perExample', maxNorm: 1 }, { perTensorNorms: true });
    const squares = (values: number[]) => Math.sqrt(values.reduce((sum, v) => sum + Math.fround(v) ** 2, 0));
    expect(report.perTensorNorms?.[0]).toBeCloseTo(squares([3, 0.3, 5]), 12);
    expect(report.perTensorNorms?.[1]).toBeCloseTo(squares([4, 0.4, 12]), 12);
    expect(report.examples).toBe(3);
  });

  it('refuses tensors without a common batch axis, and bad options, naming the field', async () => {
    await expect(
      clip(
        [
          { shape: [3], values: new Float32Array(3) },
          { shape: [2], values: new Float32Array(2) },
        ],
        {
          kind: 'perExample',
          maxNorm: 1,
        },
      ),
    ).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    expect(() => parseSpec({ kind: 'perExample', maxNorm: 1, reduce: 'max' })).toThrow(ClipError);
    expect(() => parseSpec({ kind: 'perExample', maxNorm: 1, p: 3 })).toThrow(/perExample/);
    expect(() => parseSpec({ kind: 'perExample', maxNorm: 1, compat: 'keras' })).toThrow(/Opacus/);
    expect(specToJson(parseSpec({ kind: 'perExample', maxNorm: 1, reduce: 'none' }))).toMatchObject({
      kind: 'perExample',
      maxNorm: 1,
      reduce: 'none',
    });
  });
});
