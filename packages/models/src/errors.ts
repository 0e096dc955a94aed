/** Machine-readable reason of a {@link ModelsError}; callers branch on it, never on the message. */
export type ModelsErrorCode =
  /** An option is malformed: wrong type, out of range, inconsistent with another option. */
  | 'INVALID_OPTION'
  /** A data file or data package is malformed, truncated or missing. */
  | 'INVALID_DATA'
  /** A clipping backend named on the command line is not installed or failed to start. */
  | 'BACKEND_UNAVAILABLE';

export interface ModelsErrorDetails {
  /** Dotted path of the offending option or file, e.g. `options.informative`. */
  readonly field?: string;
  /** The offending value, as given. */
  readonly value?: unknown;
  /** What was expected instead, in words. */
  readonly expected?: string;
  readonly cause?: unknown;
}

/**
 * The error @gradclip/models throws on purpose: datasets, models and the command line. Clipping
 * errors stay `ClipError`s from @gradclip/core.
 */
export class ModelsError extends Error {
  override readonly name = 'ModelsError';
  readonly code: ModelsErrorCode;
  readonly field: string | undefined;
  readonly value: unknown;
  readonly expected: string | undefined;

  constructor(code: ModelsErrorCode, message: string, details: ModelsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.field = details.field;
    this.value = details.value;
    this.expected = details.expected;
  }
}

/** The standard "field: got X, expected Y" error. */
export function invalidOption(field: string, value: unknown, expected: string): ModelsError {
  return new ModelsError('INVALID_OPTION', `${field}: got ${describe(value)}, expected ${expected}`, {
    field,
    value,
    expected,
  });
}

/** Checks an integer option in [min, max]; returns it. */
export function checkInteger(
  field: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw invalidOption(field, value, range);
  }
  return value;
}

/** Checks a finite number option ≥ min; returns it. */
export function checkFinite(field: string, value: unknown, min = Number.NEGATIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalidOption(
      field,
      value,
      min === Number.NEGATIVE_INFINITY ? 'a finite number' : `a finite number ≥ ${min}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
