/**
 * Exact float64 summation: an error-free expansion (Shewchuk's "grow-expansion", as in Python's
 * `math.fsum`) holds the exact real sum of every float64 added, as non-overlapping float64 parts,
 * and `round` returns that real sum correctly rounded to nearest, ties to even. This is how core
 * defines the norm's power sum `S` for p = 1 and 2: the powers |g| and g² of float32 values are
 * exact in float64, so the only rounding in `S` is the final one. No compensated sum can promise
 * that (Neumaier's is usually, not provably, correctly rounded).
 *
 * Overflow cannot happen for the power sums of p = 1, 2: |g| < 2^128 and g² < 2^256, and every
 * partial sum of non-negative terms is at most the total. Host-defined orders can overflow; an
 * overflowed sum rounds to +Infinity, the signal to pre-scale.
 */
export class ExactSum {
  /** Non-overlapping parts, increasing in magnitude, summing exactly to the value. Never zeros. */
  #parts: number[] = [];
  #overflowed = false;

  /** Adds `x` exactly. `x` must be finite. */
  add(x: number): void {
    const parts = this.#parts;
    let kept = 0;
    let carry = x;
    for (let i = 0; i < parts.length; i++) {
      let y = parts[i] as number;
      let big = carry;
      if (Math.abs(big) < Math.abs(y)) {
        const swap = big;
        big = y;
        y = swap;
      }
      // Fast2Sum: |big| ≥ |y|, so hi + lo = big + y exactly.
      const hi = big + y;
      if (!Number.isFinite(hi)) {
        this.#overflowed = true;
        return;
      }
      const lo = y - (hi - big);
      if (lo !== 0) parts[kept++] = lo;
      carry = hi;
    }
    if (!Number.isFinite(carry)) {
      this.#overflowed = true;
      return;
    }
    parts.length = kept;
    parts.push(carry);
  }

  /** Adds every part of another expansion (or any finite list of float64 values) exactly. */
  addAll(values: readonly number[]): void {
    for (const value of values) this.add(value);
  }

  /** The exact value as non-overlapping parts, smallest first (a copy; empty for zero). */
  get parts(): number[] {
    return this.#parts.filter((part) => part !== 0);
  }

  /** The exact sum rounded to the nearest float64, ties to even. */
  round(): number {
    if (this.#overflowed) return Number.POSITIVE_INFINITY;
    return roundExpansion(this.#parts);
  }
}

/**
 * The sum of non-overlapping parts (smallest first), correctly rounded: add from the top until a
 * part is lost, then settle a tie between two floats using the sign of what lies below (fsum's
 * half-even correction).
 */
export function roundExpansion(parts: readonly number[]): number {
  let n = parts.length;
  if (n === 0) return 0;
  n--;
  let hi = parts[n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    n--;
    const y = parts[n] as number;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (n > 0) {
    const below = parts[n - 1] as number;
    if ((lo < 0 && below < 0) || (lo > 0 && below > 0)) {
      // hi + lo is exactly halfway and the rest pushes past it: round away from hi.
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}

/** Sums a list of float64 values exactly and rounds once. */
export function exactSum(values: readonly number[]): number {
  const sum = new ExactSum();
  sum.addAll(values);
  return sum.round();
}

/** An upper bound on the float64 spacing at `x` (≥ 0): at most 2 ulp(x), never 0. */
export function ulpBound(x: number): number {
  return Math.max(Math.abs(x) * 2 ** -51, 2 ** -1074);
}
