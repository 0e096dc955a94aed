import { ClipError, invalid } from './errors.js';
import type { AdapterOptions } from './keras-options.js';
import { parseBound, parseCompatMode, parseNonFinitePolicy, parseNormOrder } from './parse-spec.js';
import type { ClipSpec } from './spec.js';

/** The arguments of `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`. */
export interface PytorchClipOptions {
  /** `clip_grad_norm_(max_norm=…)`: a global norm over all gradients. */
  readonly max_norm?: number | null | undefined;
  /** Norm order: a number > 0, `Infinity` or `"inf"`. Default 2. */
  readonly norm_type?: number | 'inf' | null | undefined;
  /** Default false, as in PyTorch: non-finite norms propagate (inf zeroes, NaN spreads). */
  readonly error_if_nonfinite?: boolean | null | undefined;
  /** `clip_grad_value_(clip_value=…)`: every element to [-clip_value, clip_value]. */
  readonly clip_value?: number | null | undefined;
  /** Accepted for compatibility; has no effect. */
  readonly foreach?: boolean | null | undefined;
}

const PYTORCH_KEYS = ['max_norm', 'norm_type', 'error_if_nonfinite', 'clip_value', 'foreach'] as const;

/**
 * Translates PyTorch clip arguments into a spec with PyTorch meaning: a global norm of any order,
 * and `error_if_nonfinite: false` → `nonFinite: 'propagate'`. Returns `null` when neither
 * `max_norm` nor `clip_value` is given. Unlike PyTorch, a negative threshold is an error (PyTorch
 * flips the gradients' sign).
 */
export function fromPytorchOptions(input: PytorchClipOptions, adapter: AdapterOptions = {}): ClipSpec | null {
  if (typeof input !== 'object' || input === null) {
    throw invalid('INVALID_SPEC', 'options', input, 'an object such as { max_norm: 1 }');
  }
  for (const key of Object.keys(input)) {
    if (!(PYTORCH_KEYS as readonly string[]).includes(key)) {
      throw invalid(
        'INVALID_SPEC',
        `options.${key}`,
        (input as Record<string, unknown>)[key],
        `one of ${PYTORCH_KEYS.join(', ')}`,
      );
    }
  }
  // Own fields only: one inherited through a prototype would escape the unknown-key check above.
  const options = Object.fromEntries(
    Object.keys(input).map((key) => [key, (input as Record<string, unknown>)[key]]),
  ) as PytorchClipOptions;
  const given = (value: unknown) => value !== undefined && value !== null;
  if (given(options.max_norm) && given(options.clip_value)) {
    throw new ClipError(
      'INVALID_SPEC',
      'options: got max_norm and clip_value together, expected one of them (PyTorch has two functions); use a "chain" spec to apply both in a chosen order',
      {
        field: 'options.clip_value',
        value: options.clip_value,
        expected: 'only one of max_norm, clip_value',
      },
    );
  }
  const errorIfNonFinite = options.error_if_nonfinite ?? false;
  if (typeof errorIfNonFinite !== 'boolean') {
    throw invalid('INVALID_SPEC', 'options.error_if_nonfinite', errorIfNonFinite, 'true or false');
  }
  const nonFinite =
    parseNonFinitePolicy(adapter.nonFinite, 'adapter.nonFinite') ??
    (errorIfNonFinite ? 'error' : 'propagate');
  const compat = parseCompatMode(adapter.compat, 'adapter.compat') ?? 'exact';
  if (given(options.clip_value)) {
    const value = options.clip_value;
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw invalid('INVALID_SPEC', 'options.clip_value', value, 'a number ≥ 0');
    }
    parseBound(value, 'options.clip_value');
    return value === Number.POSITIVE_INFINITY
      ? { kind: 'value', min: '-Infinity', max: 'Infinity', nonFinite, compat }
      : { kind: 'value', min: -value, max: value, nonFinite, compat };
  }
  if (!given(options.max_norm)) return null;
  const maxNorm = options.max_norm;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw invalid('INVALID_SPEC', 'options.max_norm', maxNorm, 'a number ≥ 0');
  }
  // Checked here, not at clip time, so a bad norm_type fails where it was written.
  const p = parseNormOrder(options.norm_type ?? undefined, 'options.norm_type');
  if ((compat === 'keras' || compat === 'optax') && p !== 2) {
    throw invalid(
      'INVALID_SPEC',
      'options.norm_type',
      options.norm_type,
      `2 with compat "${compat}" (that library clips by the L2 norm only)`,
    );
  }
  return {
    kind: 'globalNorm',
    maxNorm: maxNorm === Number.POSITIVE_INFINITY ? 'Infinity' : maxNorm,
    p: p === Number.POSITIVE_INFINITY ? 'inf' : p,
    nonFinite,
    compat,
  };
}
