import { describe, expect, it } from 'vitest';
import { ClipError } from './errors.js';
import { parseSpec, parseSpecJson, specToJson } from './parse-spec.js';

function errorOf(run: () => unknown): ClipError {
  try {
    run();
  } catch (error) {
    if (error instanceof ClipError) return error;
    throw error;
  }
  throw new Error('expected a ClipError');
}

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
    [{ kind: 'norm', maxNorm: 1, p: 0 }, 'spec.p', /expected a number > 0/],
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
    const error = errorOf(() => parseSpec(input));
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
    const error = errorOf(() => parseSpecJson('{"kind": "globalNorm", maxNorm: 1}'));
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.message).toMatch(/not valid JSON/);
  });
});
