/**
 * Exact rational arithmetic for the kit's own expectations, independent of core's summation code:
 * every float64 is an integer number of units of 2^-1074, so sums are BigInts, rounded to the
 * nearest float64 (ties to even) by hand. Slow and obviously right.
 */

/** `x` in units of 2^-1074 (exact). */
export function toUnits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const units = exponent === 0 ? fraction : ((1n << 52n) | fraction) << BigInt(exponent - 1);
  return bits >> 63n === 1n ? -units : units;
}

/** A number of units of 2^-1074, rounded to the nearest float64, ties to even. */
export function roundUnits(units: bigint): number {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const length = magnitude.toString(2).length;
  let value: number;
  if (length <= 53) value = Number(magnitude) * 2 ** -1074;
  else {
    const drop = BigInt(length - 53);
    let kept = magnitude >> drop;
    const rest = magnitude - (kept << drop);
    const half = 1n << (drop - 1n);
    if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
    value = Number(kept) * 2 ** (Number(drop) - 1074);
  }
  return negative ? -value : value;
}

/** Σ|g|^p (p = 1 or 2) of float32 values, exactly, in units of 2^-1074. */
export function powerSumUnits(values: Iterable<number>, p: 1 | 2): bigint {
  let total = 0n;
  for (const g of values) total += toUnits(p === 2 ? g * g : Math.abs(g));
  return total;
}

/** The contract's norm from an exact power sum: fl(√S) for p = 2 (sqrt is correctly rounded), S for p = 1. */
export function normFromUnits(units: bigint, p: 1 | 2): number {
  const sum = roundUnits(units);
  return p === 2 ? Math.sqrt(sum) : sum;
}
