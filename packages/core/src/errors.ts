/** Machine-readable reason of a {@link ClipError}; tests and callers branch on it, never on the message. */
export type ClipErrorCode =
  /** A spec, a call's options or an option adapter's input is malformed: wrong kind, NaN or negative threshold, min > max… */
  | 'INVALID_SPEC'
  /** Gradients are malformed: wrong container, shape and value count disagree, duplicate names. */
  | 'INVALID_GRADIENTS'
  /** `axes` do not fit a tensor's rank. */
  | 'SHAPE_MISMATCH'
  /** A NaN or ±Infinity was found and the spec's `nonFinite` policy is `'error'`. */
  | 'NON_FINITE_GRADIENT'
  /** A backend failed to start (see `firstAvailable`), or was called after its `dispose()` (`field: 'backend'`, `value: 'disposed'`). */
  | 'BACKEND_UNAVAILABLE'
  /** A backend kernel broke its contract (returned the wrong number of results, for example). */
  | 'BACKEND_CONTRACT';

export interface ClipErrorDetails {
  /** Dotted path of the offending field, e.g. `spec.steps[1].maxNorm` or `gradients["dense/kernel"]`. */
  readonly field?: string;
  /** The offending value, as given. */
  readonly value?: unknown;
  /** What was expected instead, in words. */
  readonly expected?: string;
  /** For `NON_FINITE_GRADIENT`: the tensor's name and the flat index of its first non-finite value. */
  readonly tensor?: string;
  readonly index?: number;
  readonly cause?: unknown;
}

/** The only error type gradclip throws on purpose. */
export class ClipError extends Error {
  override readonly name = 'ClipError';
  readonly code: ClipErrorCode;
  readonly field: string | undefined;
  readonly value: unknown;
  readonly expected: string | undefined;
  readonly tensor: string | undefined;
  readonly index: number | undefined;

  constructor(code: ClipErrorCode, message: string, details: ClipErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.field = details.field;
    this.value = details.value;
    this.expected = details.expected;
    this.tensor = details.tensor;
    this.index = details.index;
  }
}

/** Renders a value for an error message so that NaN, ±Infinity, -0 and strings are unambiguous. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Builds the standard "field: got X, expected Y" error. */
export function invalid(code: ClipErrorCode, field: string, value: unknown, expected: string): ClipError {
  return new ClipError(code, `${field}: got ${describeValue(value)}, expected ${expected}`, {
    field,
    value,
    expected,
  });
}
