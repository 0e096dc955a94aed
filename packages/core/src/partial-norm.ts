/**
 * Partial norms: the reducible part of a global norm, so that gradients sharded across workers or
 * processes clip with the same bits as one call. For p = 1 and 2 a partial holds the shard's
 * *exact* power sum as an error-free expansion (a few float64 parts), so combining shards is exact
 * and the decision reads the same correctly rounded sum as the one-call form.
 */
import { normFromPowerSum, powerSumNeedsRescale, rescaleExponent } from './clip-math.js';
import { ClipError, invalid } from './errors.js';
import { ExactSum } from './math/exact-sum.js';
import { parseNormOrder } from './parse-spec.js';

export interface PartialNorm {
  /** Norm order; `"inf"` for max-abs (a JSON-friendly spelling of ∞). */
  readonly p: number | 'inf';
  /**
   * The power sum of the shard's finite values. p = 1, 2: the exact Σ|g|^p as non-overlapping
   * float64 parts (an error-free expansion; usually one to three numbers). p = ∞: `[max |g|]`.
   * Other orders: `[Σ (|g|·2^-exponent)^p]` in the host definition (compensated float64).
   */
  readonly terms: readonly number[];
  /** Power-of-two pre-scale of the terms (orders other than 1, 2, ∞ only; else 0). */
  readonly exponent: number;
  /** Largest |g|; NaN when a NaN was seen, +Infinity when ±Infinity was (and no NaN). */
  readonly maxAbs: number;
  readonly nonFiniteCount: number;
  readonly tensorCount: number;
}

export function orderToNumber(p: number | 'inf'): number {
  return p === 'inf' ? Number.POSITIVE_INFINITY : p;
}

export function orderToJson(p: number): number | 'inf' {
  return p === Number.POSITIVE_INFINITY ? 'inf' : p;
}

/** Orders whose partial sums are exact expansions. */
function isExactOrder(p: number): boolean {
  return p === 1 || p === 2;
}

/**
 * Combines partial norms of disjoint shards (in any order or grouping: for p = 1, 2 and ∞ the
 * result is exact, so every reduction tree gives the same bits as one call over all gradients).
 */
export function combinePartialNorms(parts: readonly PartialNorm[]): PartialNorm {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw invalid('INVALID_SPEC', 'parts', parts, 'a non-empty array of partial norms');
  }
  const checked = parts.map((part, i) => parsePartialNorm(part, `parts[${i}]`));
  const first = checked[0] as PartialNorm;
  checked.forEach((part, i) => {
    if (part.p !== first.p) {
      throw new ClipError(
        'INVALID_SPEC',
        `parts[${i}].p: got ${part.p}, but parts[0].p is ${first.p}; expected partial norms of one order`,
        { field: `parts[${i}].p`, value: part.p, expected: `${first.p}` },
      );
    }
  });
  const p = orderToNumber(first.p);
  let maxAbs = 0;
  let nonFiniteCount = 0;
  let tensorCount = 0;
  for (const part of checked) {
    maxAbs = maxPropagatingNaN(maxAbs, part.maxAbs);
    nonFiniteCount += part.nonFiniteCount;
    tensorCount += part.tensorCount;
  }
  const common = { p: first.p, maxAbs, nonFiniteCount, tensorCount };
  if (p === Number.POSITIVE_INFINITY) {
    let max = 0;
    for (const part of checked) max = Math.max(max, part.terms[0] ?? 0);
    return { ...common, terms: [max], exponent: 0 };
  }
  if (isExactOrder(p)) {
    const sum = new ExactSum();
    for (const part of checked) sum.addAll(part.terms);
    return { ...common, terms: sum.parts, exponent: 0 };
  }
  let exponent = Math.max(...checked.map((part) => part.exponent));
  let total = alignedSum(checked, p, exponent);
  if (powerSumNeedsRescale(total, maxAbs, p)) {
    // Each shard fit in float64 but their total does not: align all shards to a larger exponent.
    exponent = Math.max(exponent, rescaleExponent(maxAbs));
    total = alignedSum(checked, p, exponent);
  }
  return { ...common, terms: [total], exponent };
}

function alignedSum(parts: readonly PartialNorm[], p: number, exponent: number): number {
  const sum = new ExactSum();
  for (const part of parts) {
    const factor = part.exponent === exponent ? 1 : 2 ** (p * (part.exponent - exponent));
    for (const term of part.terms) sum.add(term * factor);
  }
  return sum.round();
}

/** The correctly rounded power sum a partial stands for: NaN or +∞ when a NaN or ±∞ was seen. */
export function powerSumOfPartial(partial: PartialNorm): number {
  if (!Number.isFinite(partial.maxAbs)) return partial.maxAbs;
  if (partial.p === 'inf') return partial.terms[0] ?? 0;
  const sum = new ExactSum();
  sum.addAll(partial.terms);
  return sum.round();
}

/** The norm a partial (or a combination of partials) stands for. */
export function normOfPartial(partial: PartialNorm): number {
  const checked = parsePartialNorm(partial, 'partial');
  return normFromPowerSum(powerSumOfPartial(checked), orderToNumber(checked.p), checked.exponent);
}

/** NaN-propagating max (Math.max propagates NaN too; this states the intent at the call sites). */
export function maxPropagatingNaN(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.max(a, b);
}

/** A partial norm as JSON-safe data: `maxAbs` NaN or Infinity written as a string. */
export function partialNormToJson(partial: PartialNorm): Record<string, unknown> {
  const { maxAbs } = partial;
  return { ...partial, terms: [...partial.terms], maxAbs: Number.isFinite(maxAbs) ? maxAbs : String(maxAbs) };
}

const MAX_TERMS = 4096;

/**
 * Validates a partial norm that may have crossed a transport (parsed JSON included): every field
 * is checked and named in the error, so a malformed partial never turns into NaN gradients.
 */
export function parsePartialNorm(value: unknown, field = 'partial'): PartialNorm {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('INVALID_SPEC', field, value, 'a partial norm from partialNorm() or combinePartialNorms()');
  }
  const record = value as Record<string, unknown>;
  const own = (key: string) => (Object.hasOwn(record, key) ? record[key] : undefined);
  const rawP = own('p');
  const p = parseNormOrder(rawP, `${field}.p`);
  const terms = own('terms');
  if (
    !Array.isArray(terms) ||
    terms.length > MAX_TERMS ||
    !terms.every((term) => typeof term === 'number' && Number.isFinite(term))
  ) {
    throw invalid('INVALID_SPEC', `${field}.terms`, terms, `an array of at most ${MAX_TERMS} finite numbers`);
  }
  const exponent = own('exponent');
  const exponentAllowed = isExactOrder(p) || p === Number.POSITIVE_INFINITY ? exponent === 0 : true;
  if (!Number.isInteger(exponent) || Math.abs(exponent as number) > 2100 || !exponentAllowed) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.exponent`,
      exponent,
      isExactOrder(p) || p === Number.POSITIVE_INFINITY
        ? '0 for p = 1, 2 and "inf"'
        : 'an integer in [-2100, 2100]',
    );
  }
  const maxAbs = parseMaxAbs(own('maxAbs'), `${field}.maxAbs`);
  const nonFiniteCount = parseCount(own('nonFiniteCount'), `${field}.nonFiniteCount`);
  const tensorCount = parseCount(own('tensorCount'), `${field}.tensorCount`);
  if (!Number.isFinite(maxAbs) && nonFiniteCount === 0) {
    throw invalid('INVALID_SPEC', `${field}.nonFiniteCount`, 0, `at least 1, since maxAbs is ${maxAbs}`);
  }
  const sum = new ExactSum();
  sum.addAll(terms as number[]);
  const total = sum.round();
  if (total < 0 || (p === Number.POSITIVE_INFINITY && (terms.length > 1 || total > maxAbs))) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.terms`,
      terms,
      p === Number.POSITIVE_INFINITY ? '[max |g|], at most maxAbs' : 'terms whose sum is ≥ 0',
    );
  }
  return {
    p: orderToJson(p),
    terms: [...(terms as number[])],
    exponent: exponent as number,
    maxAbs,
    nonFiniteCount,
    tensorCount,
  };
}

function parseMaxAbs(value: unknown, field: string): number {
  const parsed =
    value === 'NaN' ? Number.NaN : value === 'Infinity' ? Number.POSITIVE_INFINITY : (value as number);
  if (typeof parsed === 'number' && (parsed >= 0 || Number.isNaN(parsed))) return parsed;
  throw invalid('INVALID_SPEC', field, value, 'a number ≥ 0 (or NaN, "NaN", Infinity, "Infinity")');
}

function parseCount(value: unknown, field: string): number {
  if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
  throw invalid('INVALID_SPEC', field, value, 'an integer ≥ 0');
}
