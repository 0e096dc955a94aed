import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip } from './clipper.js';
import { ClipError } from './errors.js';
import { combinePartialNorms, normOfPartial, parsePartialNorm, partialNormToJson } from './partial-norm.js';
import type { HostTensor } from './reference/host-tensor.js';
import { clipWithNorm, partialNorm } from './two-phase.js';

const host = (values: number[]): HostTensor => ({ shape: [values.length], values: new Float32Array(values) });

describe('two-phase clipping', () => {
  it('combines shards as a sum of p-th powers (max for ∞)', async () => {
    const a = await partialNorm([host([3])]);
    const b = await partialNorm([host([4])]);
    expect(normOfPartial(combinePartialNorms([a, b]))).toBe(5);
    const c = await partialNorm([host([3, -7])], { p: 'inf' });
    const d = await partialNorm([host([5])], { p: 'inf' });
    expect(normOfPartial(combinePartialNorms([c, d]))).toBe(7);
  });

  it('survives a total that overflows float64 although every shard fits', async () => {
    const shard = () => partialNorm([host([3e38, 3e38])], { p: 8 });
    const total = combinePartialNorms([await shard(), await shard()]);
    expect(normOfPartial(total)).toBeCloseTo(3e38 * 4 ** (1 / 8), -31);
  });

  it('rejects partials of different orders', async () => {
    const a = await partialNorm([host([3])]);
    const b = await partialNorm([host([4])], { p: 1 });
    expect(() => combinePartialNorms([a, b])).toThrow(/parts\[1\].p: got 1, but parts\[0\].p is 2/);
  });

  it('applies the policy to the combined count, so a clean shard also refuses a NaN elsewhere', async () => {
    const clean = [host([1, 2])];
    const total = combinePartialNorms([await partialNorm(clean), await partialNorm([host([Number.NaN])])]);
    await expect(clipWithNorm(clean, { kind: 'globalNorm', maxNorm: 1 }, total)).rejects.toThrow(ClipError);
    const skipped = await clipWithNorm(clean, { kind: 'globalNorm', maxNorm: 1, nonFinite: 'skip' }, total);
    expect(skipped.report.skipped).toBe(true);
    expect(skipped.gradients[0]).toBe(clean[0]);
    const nan = await clipWithNorm(clean, { kind: 'globalNorm', maxNorm: 1, nonFinite: 'nanAll' }, total);
    expect(Array.from(nan.gradients[0]?.values ?? []).every(Number.isNaN)).toBe(true);
  });

  it('matches the one-call form for nonFinite "zero" when partials are taken with the same policy', async () => {
    const shards = [[host([3, Number.NaN])], [host([Number.POSITIVE_INFINITY, 4])]];
    const spec = { kind: 'globalNorm', maxNorm: 1, nonFinite: 'zero' } as const;
    const total = combinePartialNorms(
      await Promise.all(shards.map((s) => partialNorm(s, { nonFinite: 'zero' }))),
    );
    expect(total.nonFiniteCount).toBe(2);
    const one = await clip(shards.flat(), spec);
    const first = await clipWithNorm(shards[0] as HostTensor[], spec, total);
    const second = await clipWithNorm(shards[1] as HostTensor[], spec, total);
    expect([...(first.gradients[0]?.values ?? []), ...(second.gradients[0]?.values ?? [])]).toEqual([
      ...(one.gradients[0]?.values ?? []),
      ...(one.gradients[1]?.values ?? []),
    ]);
  });

  it("accepts a plain norm, as PyTorch's clip_grads_with_norm_", async () => {
    const { gradients, report } = await clipWithNorm([host([3, 4])], { kind: 'globalNorm', maxNorm: 1 }, 10);
    expect(report.scale).toBe(Math.fround(0.1));
    expect(Array.from(gradients[0]?.values ?? [])).toEqual([
      Math.fround(3 * Math.fround(0.1)),
      Math.fround(4 * Math.fround(0.1)),
    ]);
    await expect(clipWithNorm([host([1])], { kind: 'globalNorm', maxNorm: 1 }, -1)).rejects.toThrow(
      /totalNorm: got -1/,
    );
  });
});

describe('partial norms are validated wherever they arrive (issue 12 #2)', () => {
  const good = async () => partialNorm([host([3, 4])]);
  const codeOf = async (run: () => unknown) => {
    try {
      await run();
      return 'no error';
    } catch (error) {
      return error instanceof ClipError ? `${error.code} ${error.field}` : `untyped ${String(error)}`;
    }
  };

  it('names the field of a malformed partial instead of returning NaN gradients', async () => {
    const spec = { kind: 'globalNorm', maxNorm: 1 } as const;
    const base = await good();
    const cases: [unknown, string][] = [
      [{ ...base, terms: [-4] }, 'INVALID_SPEC totalNorm.terms'],
      [{ ...base, terms: [Number.NaN] }, 'INVALID_SPEC totalNorm.terms'],
      [{ ...base, exponent: Number.NaN }, 'INVALID_SPEC totalNorm.exponent'],
      [{ ...base, nonFiniteCount: -1 }, 'INVALID_SPEC totalNorm.nonFiniteCount'],
      [{ ...base, maxAbs: 'huge' }, 'INVALID_SPEC totalNorm.maxAbs'],
      [{ ...base, p: 'two' }, 'INVALID_SPEC totalNorm.p'],
      [null, 'INVALID_SPEC totalNorm'],
      [{}, 'INVALID_SPEC totalNorm.terms'],
    ];
    for (const [partial, expected] of cases) {
      expect(await codeOf(() => clipWithNorm([host([1, 2])], spec, partial as never))).toBe(expected);
    }
    expect(await codeOf(() => combinePartialNorms([{}, {}] as never))).toBe('INVALID_SPEC parts[0].terms');
    expect(await codeOf(() => combinePartialNorms(null as never))).toBe('INVALID_SPEC parts');
    expect(await codeOf(() => partialNorm([host([1])], { nonFinite: 'bogus' as never }))).toBe(
      'INVALID_SPEC options.nonFinite',
    );
  });

  it('survives JSON, NaN and infinities included (partialNormToJson)', async () => {
    const nan = await partialNorm([host([Number.NaN, 1])]);
    const back = parsePartialNorm(JSON.parse(JSON.stringify(partialNormToJson(nan))));
    expect(back.maxAbs).toBeNaN();
    expect(normOfPartial(back)).toBeNaN();
    const inf = await partialNorm([host([Number.POSITIVE_INFINITY, 1])]);
    expect(normOfPartial(parsePartialNorm(JSON.parse(JSON.stringify(partialNormToJson(inf)))))).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('fuzzed partials: a typed ClipError or a finite, correct answer, never NaN gradients', async () => {
    const anything = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.double(),
      fc.string(),
      fc.array(fc.double(), { maxLength: 4 }),
    );
    const partials = fc.record(
      {
        p: fc.oneof(fc.constant(2), fc.constant('inf'), anything),
        terms: anything,
        exponent: fc.oneof(fc.constant(0), anything),
        maxAbs: anything,
        nonFiniteCount: fc.oneof(fc.constant(0), anything),
        tensorCount: fc.oneof(fc.constant(1), anything),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(partials, async (partial) => {
        try {
          const { gradients } = await clipWithNorm(
            [host([1, 2])],
            { kind: 'globalNorm', maxNorm: 1, p: partial.p === 'inf' ? 'inf' : 2 },
            partial as never,
          );
          expect(Array.from(gradients[0]?.values ?? []).every(Number.isFinite)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ClipError);
        }
      }),
      { seed: 20261202, numRuns: 400 },
    );
  });
});

describe('an empty chain still applies its non-finite policy (issue 12 #8)', () => {
  it('refuses NaN under the default "error", zeroes it under "zero"', async () => {
    await expect(clip([host([1, Number.NaN])], { kind: 'chain', steps: [] })).rejects.toMatchObject({
      code: 'NON_FINITE_GRADIENT',
    });
    const { gradients, report } = await clip([host([1, Number.NaN])], {
      kind: 'chain',
      steps: [],
      nonFinite: 'zero',
    });
    expect(Array.from(gradients[0]?.values ?? [])).toEqual([1, 0]);
    expect(report.nonFiniteCount).toBe(1);
  });
});
