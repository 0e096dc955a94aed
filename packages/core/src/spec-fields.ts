/**
 * Validators of single spec fields (thresholds, bounds, orders, counts, enumerations, axes) and the
 * limits they enforce; every failure is a `ClipError('INVALID_SPEC')` naming field, value and expectation.
 */
import { invalid } from './errors.js';
import type { CompatMode, NonFinitePolicy, PerExampleReduce, ZClipMode, ZClipOption } from './spec.js';

export const ZCLIP_MODES: readonly ZClipMode[] = ['zscore', 'percentile'];

export const ZCLIP_OPTIONS: readonly ZClipOption[] = ['adaptiveScaling', 'mean'];

export const REDUCTIONS: readonly PerExampleReduce[] = ['sum', 'mean', 'none'];

export const POLICIES: readonly NonFinitePolicy[] = ['error', 'propagate', 'nanAll', 'skip', 'zero'];

export const COMPAT_MODES: readonly CompatMode[] = ['exact', 'keras', 'pytorch', 'optax'];

/**
 * Largest warm-up and window length: a history is kept in memory and in checkpoints, so a length
 * beyond any training run (10^9 steps) is a mistake worth naming rather than an allocation.
 */
export const MAX_HISTORY_LENGTH = 1_000_000_000;

export interface Inherited {
  readonly nonFinite: NonFinitePolicy;
  readonly compat: CompatMode;
}

/**
 * Largest finite norm order. Above about 1100 even the power-of-two pre-scaled power sums leave
 * float64's exponent range and the norm comes out as Infinity (zeroing the gradients); 1000 keeps
 * a margin, and the ∞-norm ("inf") is within a few ULP of any order this large anyway.
 */
export const MAX_NORM_ORDER = 1000;

const NORM_ORDER_EXPECTED = `a number in (0, ${MAX_NORM_ORDER}] or "inf" (use "inf" for the max norm)`;

/**
 * A spec's own properties only: a field inherited through a prototype (`Object.create(base)`, a
 * polluted `Object.prototype`) is invisible to `Object.keys`, so it would escape the unknown-field
 * check; reading only own properties makes what is validated exactly what JSON would carry.
 */
export function ownFields(record: object): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(record)) fields[key] = (record as Record<string, unknown>)[key];
  return fields;
}

/** A non-empty list of distinct integer axes (negative counts from the end). */
export function axesList(raw: unknown, field: string): readonly number[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalid(
      'INVALID_SPEC',
      field,
      raw,
      'a non-empty array of integer axes (omit it for the whole tensor)',
    );
  }
  // An index loop, not forEach: forEach skips the holes of a sparse array such as [, 1].
  const seen = new Set<number>();
  for (let i = 0; i < raw.length; i++) {
    const axis: unknown = raw[i];
    if (typeof axis !== 'number' || !Number.isInteger(axis)) {
      throw invalid('INVALID_SPEC', `${field}[${i}]`, axis, 'an integer axis (negative counts from the end)');
    }
    if (seen.has(axis)) {
      throw invalid('INVALID_SPEC', `${field}[${i}]`, axis, 'each axis at most once');
    }
    seen.add(axis);
  }
  return [...seen];
}

/**
 * The adaptive kinds clip by gradclip's exact rule: their thresholds come from state, and the
 * compat modes reproduce fixed-threshold library formulas that have no adaptive counterpart.
 */
export function exactOnly(options: Inherited, field: string, kind: string): void {
  if (options.compat === 'exact') return;
  throw invalid(
    'INVALID_SPEC',
    `${field}.compat`,
    options.compat,
    `"exact" for a "${kind}" spec (adaptive thresholds clip by the exact rule; a compat mode set on a chain is inherited, so set it on the chain's other steps instead)`,
  );
}

interface Range {
  readonly low: number;
  readonly high: number;
  readonly openLow?: boolean;
  readonly openHigh?: boolean;
  readonly expected: string;
}

/** A number in a range (both ends finite), or `fallback` when absent. */
export function numberIn(value: unknown, field: string, fallback: number, range: Range): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    (range.openLow ? value <= range.low : value < range.low) ||
    (range.openHigh ? value >= range.high : value > range.high)
  ) {
    throw invalid('INVALID_SPEC', field, value, range.expected);
  }
  return value;
}

/** A positive integer up to {@link MAX_HISTORY_LENGTH}. */
export function count(value: unknown, field: string, expected: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_HISTORY_LENGTH) {
    throw invalid('INVALID_SPEC', field, value, `${expected}, at most ${MAX_HISTORY_LENGTH}`);
  }
  return value;
}

export function flag(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid('INVALID_SPEC', field, value, 'true or false');
  return value;
}

export function checkCompatOrder(p: number, compat: CompatMode, field: string): void {
  if ((compat === 'keras' || compat === 'optax') && p !== 2) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.p`,
      p,
      `2 with compat "${compat}" (that library clips by the L2 norm only; use compat "exact" or "pytorch" for other orders)`,
    );
  }
}

/**
 * The compat modes compute with the threshold as a float32 number, like the libraries they copy:
 * a positive threshold that rounds to 0 (below ~7e-46), or a finite one that rounds to ∞, would
 * meet 0/0 or ∞/∞ there and turn finite gradients into NaN. 0 and "Infinity" keep their meaning.
 */
export function checkCompatThreshold(maxNorm: number, compat: CompatMode, field: string): void {
  if (compat === 'exact' || maxNorm === 0 || maxNorm === Number.POSITIVE_INFINITY) return;
  const rounded = Math.fround(maxNorm);
  if (rounded === 0 || !Number.isFinite(rounded)) {
    throw invalid(
      'INVALID_SPEC',
      field,
      maxNorm,
      `0, "Infinity", or a number that stays positive and finite in float32 (compat "${compat}" computes in float32; it must round to a float32 in [1.4e-45, 3.4028234663852886e38])`,
    );
  }
}

export function oneOf<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid('INVALID_SPEC', field, value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return value as T;
}

export function threshold(value: unknown, field: string): number {
  const expected = 'a number ≥ 0, or "Infinity" for no clipping';
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw invalid('INVALID_SPEC', field, value, expected);
  }
  return value;
}

export function bound(value: unknown, field: string): number {
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw invalid('INVALID_SPEC', field, value, 'a number, "Infinity" or "-Infinity"');
  }
  if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
    throw invalid(
      'INVALID_SPEC',
      field,
      value,
      'a number within the float32 range (|x| ≤ 3.4028234663852886e38), or "Infinity" / "-Infinity" for no bound (bounds act as float32 values)',
    );
  }
  return value;
}

export function normOrder(value: unknown, field: string): number {
  if (value === undefined) return 2;
  if (value === 'inf' || value === 'Infinity' || value === Number.POSITIVE_INFINITY) {
    return Number.POSITIVE_INFINITY;
  }
  if (typeof value !== 'number' || !(value > 0 && value <= MAX_NORM_ORDER)) {
    throw invalid('INVALID_SPEC', field, value, NORM_ORDER_EXPECTED);
  }
  return value;
}
