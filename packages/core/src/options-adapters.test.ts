import { describe, expect, it } from 'vitest';
import { clipErrorOf } from './clip-error-of.test-support.js';
import { ClipError } from './errors.js';
import { fromKerasOptions } from './keras-options.js';
import { fromPytorchOptions } from './pytorch-options.js';

describe('fromKerasOptions (Keras 3 meaning)', () => {
  it('maps clipnorm to a per-tensor norm, global_clipnorm to a global norm, clipvalue to ±v', () => {
    expect(fromKerasOptions({ clipnorm: 1 })).toMatchObject({ kind: 'norm', maxNorm: 1, p: 2 });
    expect(fromKerasOptions({ global_clipnorm: 2 })).toMatchObject({ kind: 'globalNorm', maxNorm: 2, p: 2 });
    expect(fromKerasOptions({ clipvalue: 0.5 })).toMatchObject({ kind: 'value', min: -0.5, max: 0.5 });
  });

  it('returns null when nothing is set, or when a value is 0 (Keras disables clipping)', () => {
    expect(fromKerasOptions({})).toBeNull();
    expect(fromKerasOptions({ clipnorm: null, clipvalue: undefined })).toBeNull();
    expect(fromKerasOptions({ clipnorm: 0 })).toBeNull();
  });

  it('rejects more than one option, as Keras 3 does', () => {
    expect(() => fromKerasOptions({ clipnorm: 1, global_clipnorm: 1 })).toThrow(
      /only one of clipnorm, clipvalue and global_clipnorm/,
    );
    expect(() => fromKerasOptions({ clipnorm: 1, clipvalue: 1 })).toThrow(ClipError);
  });

  it('rejects negative and NaN values instead of silently disabling clipping', () => {
    expect(() => fromKerasOptions({ clipnorm: -1 })).toThrow(/options.clipnorm: got -1/);
    expect(() => fromKerasOptions({ clipvalue: Number.NaN })).toThrow(/options.clipvalue: got NaN/);
  });

  it('catches camelCase typos', () => {
    expect(() => fromKerasOptions({ clipNorm: 1 } as never)).toThrow(/did you mean "clipnorm"/);
  });

  it('passes compat and nonFinite through', () => {
    expect(fromKerasOptions({ global_clipnorm: 1 }, { compat: 'keras', nonFinite: 'nanAll' })).toMatchObject({
      compat: 'keras',
      nonFinite: 'nanAll',
    });
  });
});

describe('fromPytorchOptions', () => {
  it('maps max_norm/norm_type to a global norm; error_if_nonfinite false means propagate', () => {
    expect(fromPytorchOptions({ max_norm: 1 })).toMatchObject({
      kind: 'globalNorm',
      maxNorm: 1,
      p: 2,
      nonFinite: 'propagate',
    });
    expect(
      fromPytorchOptions({ max_norm: 1, norm_type: Number.POSITIVE_INFINITY, error_if_nonfinite: true }),
    ).toMatchObject({
      p: 'inf',
      nonFinite: 'error',
    });
    expect(fromPytorchOptions({ max_norm: 1, norm_type: 'inf' })).toMatchObject({ p: 'inf' });
  });

  it('maps clip_value to a symmetric value clip', () => {
    expect(fromPytorchOptions({ clip_value: 0.25 })).toMatchObject({ kind: 'value', min: -0.25, max: 0.25 });
  });

  it('rejects a negative threshold (PyTorch flips the sign) and both functions at once', () => {
    expect(() => fromPytorchOptions({ max_norm: -1 })).toThrow(/options.max_norm: got -1/);
    expect(() => fromPytorchOptions({ clip_value: -1 })).toThrow(/options.clip_value/);
    expect(() => fromPytorchOptions({ max_norm: 1, clip_value: 1 })).toThrow(/use a "chain" spec/);
    expect(() => fromPytorchOptions({ maxNorm: 1 } as never)).toThrow(/options.maxNorm/);
  });

  it('returns null without a threshold', () => {
    expect(fromPytorchOptions({ norm_type: 2 })).toBeNull();
  });
});

describe('option adapters validate at construction (issue 12)', () => {
  it('checks norm_type when the spec is built, with the same range as specs', () => {
    for (const norm_type of ['two', 0, -1, 1200, Number.NaN]) {
      const error = clipErrorOf(() => fromPytorchOptions({ max_norm: 1, norm_type: norm_type as never }));
      expect([error.code, error.field]).toEqual(['INVALID_SPEC', 'options.norm_type']);
    }
    expect(clipErrorOf(() => fromPytorchOptions({ max_norm: 1, norm_type: 1200 })).message).toContain(
      'a number in (0, 1000] or "inf" (use "inf" for the max norm)',
    );
    expect(fromPytorchOptions({ max_norm: 1, norm_type: Number.POSITIVE_INFINITY })).toMatchObject({
      p: 'inf',
    });
    expect(fromPytorchOptions({ max_norm: 1, norm_type: null })).toMatchObject({ p: 2 });
    expect(
      clipErrorOf(() => fromPytorchOptions({ max_norm: 1, norm_type: 1 }, { compat: 'keras' })).field,
    ).toBe('options.norm_type');
  });

  it('checks the adapter options too', () => {
    expect(
      clipErrorOf(() => fromPytorchOptions({ max_norm: 1 }, { nonFinite: 'bogus' as never })).field,
    ).toBe('adapter.nonFinite');
    expect(clipErrorOf(() => fromKerasOptions({ clipnorm: 1 }, { compat: 'tf' as never })).field).toBe(
      'adapter.compat',
    );
  });

  it('refuses clip values beyond the float32 range', () => {
    expect(clipErrorOf(() => fromPytorchOptions({ clip_value: 1e39 })).field).toBe('options.clip_value');
    expect(clipErrorOf(() => fromKerasOptions({ clipvalue: 1e39 })).field).toBe('options.clipvalue');
    expect(fromKerasOptions({ clipvalue: Number.POSITIVE_INFINITY })).toMatchObject({ max: 'Infinity' });
  });

  it('reads only own options, not ones inherited through a prototype', () => {
    expect(fromKerasOptions(Object.create({ clipnorm: 1 }))).toBeNull();
    expect(fromPytorchOptions(Object.create({ max_norm: 1 }))).toBeNull();
  });
});
