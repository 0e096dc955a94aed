import { describe, expect, it } from 'vitest';
import { clipErrorOf } from './clip-error-of.test-support.js';
import {
  parseBound,
  parseCompatMode,
  parseNonFinitePolicy,
  parseNormOrder,
  parseSpec,
  parseSpecJson,
} from './parse-spec.js';
import { specToJson } from './spec-to-json.js';

describe('parseSpec', () => {
  it('fills defaults: p = 2, nonFinite "error", compat "exact"', () => {
    expect(parseSpec({ kind: 'globalNorm', maxNorm: 1 })).toEqual({
      kind: 'globalNorm',
      maxNorm: 1,
      p: 2,
      nonFinite: 'error',
      compat: 'exact',
    });
  });

  it('reads the JSON spellings of infinity', () => {
    const spec = parseSpec({ kind: 'norm', maxNorm: 'Infinity', p: 'inf' });
    expect(spec).toMatchObject({ maxNorm: Number.POSITIVE_INFINITY, p: Number.POSITIVE_INFINITY });
    expect(parseSpec({ kind: 'value', min: '-Infinity', max: 'Infinity' })).toMatchObject({
      min: Number.NEGATIVE_INFINITY,
      max: Number.POSITIVE_INFINITY,
    });
  });

  it.each([
    [{ kind: 'globalNorm', maxNorm: -1 }, 'spec.maxNorm', /got -1, expected a number ≥ 0/],
    [{ kind: 'globalNorm', maxNorm: Number.NaN }, 'spec.maxNorm', /got NaN/],
    [{ kind: 'globalNorm', maxNorm: '1' }, 'spec.maxNorm', /got "1"/],
    [{ kind: 'globalNorm' }, 'spec.maxNorm', /got undefined/],
    [{ kind: 'norm', maxNorm: 1, p: 0 }, 'spec.p', /expected a number in \(0, 1000\] or "inf"/],
    [{ kind: 'norm', maxNorm: 1, p: -2 }, 'spec.p', /got -2/],
    [{ kind: 'norm', maxNorm: 1, axes: [0, 0] }, 'spec.axes[1]', /each axis at most once/],
    [{ kind: 'norm', maxNorm: 1, axes: [1.5] }, 'spec.axes[0]', /an integer axis/],
    [{ kind: 'norm', maxNorm: 1, axes: [] }, 'spec.axes', /non-empty array/],
    [{ kind: 'value', min: 1, max: -1 }, 'spec.min', /greater than spec.max/],
    [{ kind: 'value', min: Number.NaN, max: 1 }, 'spec.min', /got NaN/],
    [{ kind: 'clipnorm', maxNorm: 1 }, 'spec.kind', /one of "value", "norm", "globalNorm", "chain"/],
    [
      { kind: 'globalNorm', maxNorm: 1, nonFinite: 'ignore' },
      'spec.nonFinite',
      /"error", "propagate", "nanAll", "skip", "zero"/,
    ],
    [{ kind: 'globalNorm', maxNorm: 1, compat: 'tf' }, 'spec.compat', /"exact", "keras", "pytorch", "optax"/],
    [{ kind: 'globalNorm', maxNorm: 1, p: 1, compat: 'optax' }, 'spec.p', /2 with compat "optax"/],
    [{ kind: 'globalNorm', maxNorm: 1, axes: [0] }, 'spec.axes', /unknown field on a "globalNorm" spec/],
    [{ kind: 'globalNorm', maxnorm: 1 }, 'spec.maxnorm', /did you mean "maxNorm"/],
    [
      {
        kind: 'chain',
        steps: [
          { kind: 'value', min: 0, max: 1 },
          { kind: 'norm', maxNorm: -3 },
        ],
      },
      'spec.steps[1].maxNorm',
      /got -3/,
    ],
    [{ kind: 'chain', steps: 'all' }, 'spec.steps', /an array of specs/],
    [null, 'spec', /an object with a "kind" field/],
  ])('rejects %j naming %s', (input, field, message) => {
    const error = clipErrorOf(() => parseSpec(input));
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(field)).toBe(true);
  });

  it('lets chain steps inherit nonFinite and compat, and override them', () => {
    const spec = parseSpec({
      kind: 'chain',
      nonFinite: 'zero',
      compat: 'pytorch',
      steps: [
        { kind: 'globalNorm', maxNorm: 1 },
        { kind: 'value', min: -1, max: 1, nonFinite: 'skip' },
      ],
    });
    expect(spec.kind === 'chain' && spec.steps.map((step) => [step.nonFinite, step.compat])).toEqual([
      ['zero', 'pytorch'],
      ['skip', 'pytorch'],
    ]);
  });

  it('round-trips through JSON with ±Infinity thresholds and p = ∞', () => {
    const spec = parseSpec({
      kind: 'chain',
      steps: [
        { kind: 'value', min: '-Infinity', max: 5 },
        { kind: 'norm', maxNorm: 'Infinity', p: 'inf', axes: [-1] },
        { kind: 'globalNorm', maxNorm: 0.5, p: 3 },
      ],
    });
    const text = JSON.stringify(specToJson(spec));
    expect(text).not.toMatch(/null/);
    expect(parseSpecJson(text)).toEqual(spec);
  });

  it('turns malformed JSON into INVALID_SPEC', () => {
    const error = clipErrorOf(() => parseSpecJson('{"kind": "globalNorm", maxNorm: 1}'));
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.message).toMatch(/not valid JSON/);
  });
});

describe('parseSpec hardening (issue 12)', () => {
  const nestedChains = (depth: number): unknown => {
    let spec: unknown = { kind: 'value', min: -1, max: 1 };
    for (let i = 0; i < depth; i++) spec = { kind: 'chain', steps: [spec] };
    return spec;
  };

  it('accepts finite norm orders up to 1000 and rejects larger ones, naming "inf"', () => {
    expect(parseSpec({ kind: 'globalNorm', maxNorm: 1, p: 1000 })).toMatchObject({ p: 1000 });
    expect(parseSpec({ kind: 'globalNorm', maxNorm: 1, p: Number.POSITIVE_INFINITY })).toMatchObject({
      p: Number.POSITIVE_INFINITY,
    });
    for (const p of [1000.5, 1100, 1200, 1e308]) {
      const error = clipErrorOf(() => parseSpec({ kind: 'globalNorm', maxNorm: 1, p }));
      expect(error.code).toBe('INVALID_SPEC');
      expect(error.field).toBe('spec.p');
      expect(error.value).toBe(p);
      expect(error.message).toContain(
        `spec.p: got ${p}, expected a number in (0, 1000] or "inf" (use "inf" for the max norm)`,
      );
    }
    expect(clipErrorOf(() => parseSpec({ kind: 'norm', maxNorm: 1, p: 2000 })).field).toBe('spec.p');
  });

  it('reads only own properties: fields inherited through a prototype are ignored', () => {
    const inheritedKind = clipErrorOf(() => parseSpec(Object.create({ kind: 'globalNorm', maxNorm: 1 })));
    expect(inheritedKind.field).toBe('spec.kind');
    expect(inheritedKind.message).toMatch(/own property/);
    const inheritedThreshold = Object.assign(Object.create({ maxNorm: 1 }), { kind: 'globalNorm' });
    expect(clipErrorOf(() => parseSpec(inheritedThreshold)).field).toBe('spec.maxNorm');
    const inheritedPolicy = Object.assign(Object.create({ nonFinite: 'propagate', p: 5000 }), {
      kind: 'globalNorm',
      maxNorm: 1,
    });
    expect(parseSpec(inheritedPolicy)).toMatchObject({ nonFinite: 'error', p: 2 });
  });

  it('rejects holes in sparse arrays of axes and steps', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the test
    const axes = [, 1];
    expect(clipErrorOf(() => parseSpec({ kind: 'norm', maxNorm: 1, axes })).field).toBe('spec.axes[0]');
    // biome-ignore lint/suspicious/noSparseArray: the hole is the test
    const steps = [, { kind: 'globalNorm', maxNorm: 1 }];
    expect(clipErrorOf(() => parseSpec({ kind: 'chain', steps })).field).toBe('spec.steps[0]');
  });

  it('validates 100,000 axes in linear time', () => {
    const axes = Array.from({ length: 100_000 }, (_, i) => i);
    const started = performance.now();
    expect(parseSpec({ kind: 'norm', maxNorm: 1, axes })).toMatchObject({ kind: 'norm' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('rejects finite value bounds that round to ±Infinity in float32, and infinite min = max', () => {
    for (const [spec, field] of [
      [{ kind: 'value', min: -1e39, max: 1 }, 'spec.min'],
      [{ kind: 'value', min: -1, max: 1e39 }, 'spec.max'],
      [{ kind: 'value', min: 'Infinity', max: 'Infinity' }, 'spec.min'],
      [{ kind: 'value', min: '-Infinity', max: '-Infinity' }, 'spec.max'],
      [{ kind: 'value', min: Number.POSITIVE_INFINITY, max: Number.POSITIVE_INFINITY }, 'spec.min'],
    ] as const) {
      const error = clipErrorOf(() => parseSpec(spec));
      expect(error.code).toBe('INVALID_SPEC');
      expect(error.field).toBe(field);
    }
    expect(clipErrorOf(() => parseSpec({ kind: 'value', min: 0, max: 1e39 })).message).toMatch(
      /float32 range/,
    );
    // A bound that rounds to the largest float32 is fine; infinite bounds on the open side are too.
    expect(parseSpec({ kind: 'value', min: -3.4028235e38, max: 3.4028235e38 })).toMatchObject({
      min: -3.4028235e38,
    });
    expect(parseSpec({ kind: 'value', min: '-Infinity', max: 'Infinity' })).toMatchObject({
      max: Number.POSITIVE_INFINITY,
    });
  });

  it('limits chain nesting to 64 with a clear error instead of a RangeError', () => {
    expect(parseSpec(nestedChains(64)).kind).toBe('chain');
    for (const depth of [65, 3000, 100_000]) {
      const error = clipErrorOf(() => parseSpec(nestedChains(depth)));
      expect(error.code).toBe('INVALID_SPEC');
      expect(error.message).toMatch(/a chain nested 65 deep, expected chains nested at most 64 deep/);
      expect(error.field).toBe(`spec${'.steps[0]'.repeat(64)}`);
    }
  });

  it('exports validators for options given outside a spec', () => {
    expect(parseNonFinitePolicy(undefined, 'options.nonFinite')).toBeUndefined();
    expect(parseNonFinitePolicy('zero', 'options.nonFinite')).toBe('zero');
    const error = clipErrorOf(() => parseNonFinitePolicy('bogus', 'options.nonFinite'));
    expect([error.code, error.field, error.value]).toEqual(['INVALID_SPEC', 'options.nonFinite', 'bogus']);
    expect(parseNormOrder(undefined, 'options.p')).toBe(2);
    expect(parseNormOrder('inf', 'options.p')).toBe(Number.POSITIVE_INFINITY);
    expect(clipErrorOf(() => parseNormOrder(1200, 'options.p')).field).toBe('options.p');
    expect(clipErrorOf(() => parseCompatMode('tf', 'adapter.compat')).field).toBe('adapter.compat');
    expect(clipErrorOf(() => parseBound(1e39, 'options.clip_value')).field).toBe('options.clip_value');
  });
});

describe('compat thresholds (hardening suite finding)', () => {
  it('rejects a threshold that rounds to 0 or ∞ in float32 under a compat mode, not under exact', () => {
    for (const compat of ['keras', 'pytorch', 'optax'] as const) {
      for (const maxNorm of [5e-324, 1e-46, 3.4028235677973366e38, 1e39]) {
        const error = clipErrorOf(() => parseSpec({ kind: 'norm', maxNorm, compat }));
        expect([error.code, error.field]).toEqual(['INVALID_SPEC', 'spec.maxNorm']);
      }
      expect(parseSpec({ kind: 'globalNorm', maxNorm: 0, compat })).toMatchObject({ maxNorm: 0 });
      expect(parseSpec({ kind: 'globalNorm', maxNorm: 'Infinity', compat }).kind).toBe('globalNorm');
    }
    expect(parseSpec({ kind: 'norm', maxNorm: 5e-324 })).toMatchObject({ maxNorm: 5e-324 });
    expect(parseSpec({ kind: 'norm', maxNorm: 1e39 })).toMatchObject({ maxNorm: 1e39 });
  });
});
