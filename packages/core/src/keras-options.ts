import { ClipError, invalid } from './errors.js';
import { parseBound, parseCompatMode, parseNonFinitePolicy } from './parse-spec.js';
import type { ClipSpec, CompatMode, NonFinitePolicy } from './spec.js';

/** A Keras optimizer's clip arguments, as in `keras.optimizers.SGD(clipnorm=1.0)` or a saved config. */
export interface KerasClipOptions {
  /** Clip each gradient tensor to this L2 norm (per tensor, as in Keras ≥ tf.keras 2.0 and Keras 3). */
  readonly clipnorm?: number | null | undefined;
  /** Clip every element to [-clipvalue, clipvalue]. */
  readonly clipvalue?: number | null | undefined;
  /** Clip all gradients jointly to this global L2 norm. */
  readonly global_clipnorm?: number | null | undefined;
}

export interface AdapterOptions {
  /** `'exact'` (default) keeps gradclip's exact rule; `'keras'`/`'pytorch'` reproduce that library's bits. */
  readonly compat?: CompatMode;
  /** Default `'error'`. */
  readonly nonFinite?: NonFinitePolicy;
}

const KERAS_KEYS = ['clipnorm', 'clipvalue', 'global_clipnorm'] as const;

/**
 * Translates Keras 3 clip options into a spec, with Keras 3 meaning: `clipnorm` is per tensor,
 * `global_clipnorm` is global, and the three are mutually exclusive. Returns `null` when no
 * clipping is configured; a value of 0 disables clipping, as in Keras (`if self.clipnorm and …`).
 * Unlike Keras, a negative or NaN value is an error instead of silently disabling clipping.
 */
export function fromKerasOptions(input: KerasClipOptions, adapter: AdapterOptions = {}): ClipSpec | null {
  if (typeof input !== 'object' || input === null) {
    throw invalid('INVALID_SPEC', 'options', input, 'an object such as { clipnorm: 1 }');
  }
  for (const key of Object.keys(input)) {
    if (!(KERAS_KEYS as readonly string[]).includes(key)) {
      const hint = KERAS_KEYS.find((known) => known.replace('_', '') === key.toLowerCase().replace('_', ''));
      throw invalid(
        'INVALID_SPEC',
        `options.${key}`,
        (input as Record<string, unknown>)[key],
        hint ? `no such Keras option; did you mean "${hint}"?` : `one of ${KERAS_KEYS.join(', ')}`,
      );
    }
  }
  // Own fields only: one inherited through a prototype would escape the unknown-key check above.
  const options = Object.fromEntries(
    Object.keys(input).map((key) => [key, (input as Record<string, unknown>)[key]]),
  ) as KerasClipOptions;
  const set = KERAS_KEYS.filter((key) => options[key] !== undefined && options[key] !== null);
  if (set.length > 1) {
    throw new ClipError(
      'INVALID_SPEC',
      `options: got ${set.join(' and ')} together, expected only one of clipnorm, clipvalue and global_clipnorm (Keras 3 rule); use a "chain" spec to combine them`,
      { field: `options.${set[1]}`, value: set, expected: 'only one clip option' },
    );
  }
  const key = set[0];
  if (key === undefined) return null;
  const value = options[key];
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw invalid('INVALID_SPEC', `options.${key}`, value, 'a number ≥ 0 (0 disables clipping, as in Keras)');
  }
  if (value === 0) return null;
  if (key === 'clipvalue') parseBound(value, `options.${key}`);
  const nonFinite = parseNonFinitePolicy(adapter.nonFinite, 'adapter.nonFinite');
  const common = {
    compat: parseCompatMode(adapter.compat, 'adapter.compat') ?? 'exact',
    ...(nonFinite === undefined ? {} : { nonFinite }),
  } as const;
  const threshold = value === Number.POSITIVE_INFINITY ? ('Infinity' as const) : value;
  switch (key) {
    case 'clipnorm':
      return { kind: 'norm', maxNorm: threshold, p: 2, ...common };
    case 'global_clipnorm':
      return { kind: 'globalNorm', maxNorm: threshold, p: 2, ...common };
    case 'clipvalue':
      return value === Number.POSITIVE_INFINITY
        ? { kind: 'value', min: '-Infinity', max: 'Infinity', ...common }
        : { kind: 'value', min: -value, max: value, ...common };
  }
}
