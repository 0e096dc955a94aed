/**
 * Float64 sums with Neumaier (Kahan–Babuška) compensation, one per slice: the rounding error of
 * each addition is kept in a second float64 and added back once at the end. The reference's
 * summaries, PyTorch's total norm and backends that finish partial sums on the host all add this
 * way, in element order, so they agree to the bit.
 */
export class CompensatedSums {
  readonly sums: Float64Array;
  readonly compensations: Float64Array;

  constructor(slices: number) {
    this.sums = new Float64Array(slices);
    this.compensations = new Float64Array(slices);
  }

  /** Adds `value` to slice `slice`'s sum. */
  add(slice: number, value: number): void {
    const sum = this.sums[slice] as number;
    const next = sum + value;
    this.sums[slice] = next;
    // ±Infinity or NaN: the correction is meaningless (it would be NaN) and `total` skips it.
    if (!Number.isFinite(next)) return;
    if (Math.abs(sum) >= Math.abs(value))
      this.compensations[slice] = (this.compensations[slice] as number) + (sum - next + value);
    else this.compensations[slice] = (this.compensations[slice] as number) + (value - next + sum);
  }

  /** Slice `slice`'s compensated sum rounded to one float64; a non-finite sum as it is. */
  total(slice: number): number {
    const sum = this.sums[slice] as number;
    return Number.isFinite(sum) ? sum + (this.compensations[slice] as number) : sum;
  }

  /** Every slice's `total`. */
  totals(): Float64Array {
    const totals = new Float64Array(this.sums.length);
    for (let slice = 0; slice < totals.length; slice++) totals[slice] = this.total(slice);
    return totals;
  }
}
