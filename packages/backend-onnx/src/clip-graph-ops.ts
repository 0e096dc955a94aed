/**
 * Typed helpers over {@link GraphBuilder} for the exported clip graph: constants, float64 power
 * sums, NaN-aware maxima and the exact power-of-two scaling the contract uses for large p.
 */
import { FLOAT64_MIN_NORMAL } from '@gradclip/core/backend';
import type { GraphBuilder } from './graph-builder.js';
import { ElementType } from './onnx-schema.js';

/** A tensor of the exported graph: its value name and static rank. */
export interface GraphTensor {
  readonly value: string;
  readonly rank: number;
}

/** Smallest positive float64 normal; power sums below it lost precision (see core's clip-math). */

export class ClipGraphOps {
  private readonly constants = new Map<string, string>();

  constructor(readonly builder: GraphBuilder) {}

  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, number | readonly number[]> = {},
  ): string {
    return this.builder.node(op, inputs, attributes);
  }

  private constant(type: ElementType, value: number): string {
    const key = `${type}:${Object.is(value, -0) ? '-0' : value}`;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.builder.constant(type, [value]);
      this.constants.set(key, name);
    }
    return name;
  }

  float(value: number): string {
    return this.constant(ElementType.float, value);
  }

  double(value: number): string {
    return this.constant(ElementType.double, value);
  }

  int64(value: number): string {
    return this.constant(ElementType.int64, value);
  }

  bool(value: boolean): string {
    return this.constant(ElementType.bool, value ? 1 : 0);
  }

  toDouble(value: string): string {
    return this.node('Cast', [value], { to: ElementType.double });
  }

  toFloat(value: string): string {
    return this.node('Cast', [value], { to: ElementType.float });
  }

  where(condition: string, then: string, otherwise: string): string {
    return this.node('Where', [condition, then, otherwise]);
  }

  /** `condition ? then : otherwise` for bool tensors (ORT has no bool Where). */
  whereBool(condition: string, then: string, otherwise: string): string {
    return this.or(this.and(condition, then), this.and(this.node('Not', [condition]), otherwise));
  }

  or(a: string, b: string): string {
    return this.node('Or', [a, b]);
  }

  and(a: string, b: string): string {
    return this.node('And', [a, b]);
  }

  isNaN(value: string): string {
    return this.node('IsNaN', [value]);
  }

  /** True for NaN and ±∞ (x − x is NaN exactly then). */
  nonFinite(value: string): string {
    return this.isNaN(this.node('Sub', [value, value]));
  }

  /** Any single-element tensor as a scalar. */
  scalar(value: string): string {
    return this.node('Reshape', [value, this.builder.constant(ElementType.int64, [], [0])]);
  }

  /**
   * `below ? min : above ? max : x` (see clampNodes), for the exported graph's constants.
   */
  clampWith(x: string, below: string, min: number, above: string, max: number): string {
    return clampNodes(this.builder, x, below, bound(this, min), above, bound(this, max));
  }

  /** Reduction over `axes` (all axes when null), keeping dimensions so the result broadcasts. */
  reduce(op: string, value: string, axes: readonly number[] | null, keep = true): string {
    const inputs =
      axes === null ? [value] : [value, this.builder.constant(ElementType.int64, [...axes], [axes.length])];
    // Empty axes reduce nothing (each element its own slice); ONNX's default would reduce them all.
    const empty = axes !== null && axes.length === 0 ? { noop_with_empty_axes: 1 } : {};
    return this.node(op, inputs, { keepdims: keep ? 1 : 0, ...empty });
  }

  /** An int64 vector constant. */
  int64s(values: readonly number[]): string {
    return this.builder.constant(ElementType.int64, [...values], [values.length]);
  }

  /** Any tensor reshaped to a vector. */
  vector(value: string): string {
    return this.node('Reshape', [value, this.int64s([-1])]);
  }

  /** float64 scalars joined into a vector (an empty float64 vector for none). */
  concatenate(values: readonly string[]): string {
    if (values.length === 0) return this.builder.constant(ElementType.double, [], [0]);
    return this.node(
      'Concat',
      values.map((value) => this.vector(value)),
      { axis: 0 },
    );
  }

  /** The smallest element of a float64 tensor, NaN when any is NaN (ReduceMin skips NaN in ORT). */
  minIncludingNaN(value: string): string {
    const nan = this.isNaN(value);
    const clean = this.where(nan, this.double(Number.POSITIVE_INFINITY), value);
    return this.where(this.any(nan), this.double(Number.NaN), this.reduce('ReduceMin', clean, null, false));
  }

  /** Element-wise max of two float64 tensors, NaN where either is NaN (Math.max). */
  maxElementwise(a: string, b: string): string {
    const nan = this.or(this.isNaN(a), this.isNaN(b));
    return this.where(nan, this.double(Number.NaN), this.node('Max', [a, b]));
  }

  /** Bool `value`, typed float64 (1 or 0) or int64 by `to`. */
  cast(value: string, to: ElementType): string {
    return this.node('Cast', [value], { to });
  }

  /**
   * core's exact rule (`decideScale(norm, threshold, 'exact', …)`) with a threshold computed in the
   * graph (float64, ≥ 0 or +∞): +∞ never clips; 0 zeroes a non-zero norm; otherwise a norm above
   * the threshold scales by fround(threshold / norm), unless that rounds to 1 (the identity).
   */
  exactDecision(norm: string, threshold: string): { apply: string; multiplier: string; scale: string } {
    const zero = this.node('Equal', [threshold, this.double(0)]);
    const finite = this.node('Not', [this.node('Equal', [threshold, this.double(Number.POSITIVE_INFINITY)])]);
    const over = this.node('Not', [this.node('LessOrEqual', [norm, threshold])]);
    const nonZeroNorm = this.node('Not', [this.node('Equal', [norm, this.double(0)])]);
    const multiplier = this.where(zero, this.float(0), this.toFloat(this.node('Div', [threshold, norm])));
    const apply = this.and(
      this.and(finite, this.whereBool(zero, nonZeroNorm, over)),
      this.node('Not', [this.node('Equal', [multiplier, this.float(1)])]),
    );
    return { apply, multiplier, scale: this.where(apply, this.toDouble(multiplier), this.double(1)) };
  }

  /** `x · (apply ? multiplier : 1)`: the factor is chosen, not the product, so x·1 keeps x's bits. */
  scaleBy(x: string, apply: string, multiplier: string): string {
    return this.node('Mul', [x, this.where(apply, multiplier, this.float(1))]);
  }

  /**
   * Σ values in float64, as a double-double (TwoSum) rounded once: the correctly rounded sum
   * (core's ExactSum) except within about n²·2^-106 of a rounding midpoint. Unrolled: `values` is a
   * fixed-length list of float64 scalars.
   */
  accurateSum(values: readonly string[]): string {
    let high = this.double(0);
    let low = this.double(0);
    for (const value of values) {
      const sum = this.node('Add', [high, value]);
      const back = this.node('Sub', [sum, high]);
      const error = this.node('Add', [
        this.node('Sub', [high, this.node('Sub', [sum, back])]),
        this.node('Sub', [value, back]),
      ]);
      high = sum;
      low = this.node('Add', [low, error]);
    }
    return this.node('Add', [high, low]);
  }

  /** Any true in a bool tensor, as a bool scalar. */
  any(value: string): string {
    return this.node('Greater', [this.reduce('ReduceMax', this.toFloat(value), null, false), this.float(0)]);
  }

  /** Σ over several scalars of one type, in order. */
  sum(values: readonly string[], zero: string): string {
    return values.reduce((total, value) => this.node('Add', [total, value]), zero);
  }

  /** Max of several float64 values, NaN if any is NaN (Max's NaN handling is unspecified). */
  maxPropagatingNaN(values: readonly string[]): string {
    let max = this.double(0);
    let nan = this.bool(false);
    for (const value of values) {
      nan = this.or(nan, this.any(this.isNaN(value)));
      max = this.node('Max', [max, this.where(this.isNaN(value), this.double(0), value)]);
    }
    return this.where(nan, this.double(Number.NaN), max);
  }

  /** Per slice (keepdims): max |g| in float64, NaN when the slice holds a NaN. */
  maxAbs(tensor: GraphTensor, axes: readonly number[] | null): string {
    const nan = this.isNaN(tensor.value);
    const magnitude = this.where(nan, this.float(0), this.node('Abs', [tensor.value]));
    const clean = this.reduce('ReduceMax', magnitude, axes);
    const hasNaN = this.node('Greater', [this.reduce('ReduceMax', this.toFloat(nan), axes), this.float(0)]);
    return this.toDouble(this.where(hasNaN, this.float(Number.NaN), clean));
  }

  /**
   * Per slice (keepdims): Σ (|g|·down)^p in float64, or max |g| for p = ∞. The same operations in
   * the same order as the oracle: Cast, Abs, ×down (a power of two), then square, or Pow.
   */
  powerSum(tensor: GraphTensor, p: number, axes: readonly number[] | null, down: string | null): string {
    if (p === Number.POSITIVE_INFINITY) return this.maxAbs(tensor, axes);
    let base = this.node('Abs', [this.toDouble(tensor.value)]);
    if (down !== null) base = this.node('Mul', [base, down]);
    let term = base;
    if (p === 2) term = this.node('Mul', [base, base]);
    else if (p !== 1) term = this.node('Pow', [base, this.double(p)]);
    return this.reduce('ReduceSum', term, axes);
  }

  /** The norm from a power sum (core's normFromPowerSum), times `powerOfTwo` when rescaled. */
  normFromPowerSum(sum: string, p: number, powerOfTwo: string | null): string {
    let root = sum;
    if (p === 2) root = this.node('Sqrt', [sum]);
    else if (p !== 1 && p !== Number.POSITIVE_INFINITY) root = this.node('Pow', [sum, this.double(1 / p)]);
    return powerOfTwo === null ? root : this.node('Mul', [root, powerOfTwo]);
  }

  /** core's powerSumNeedsRescale, elementwise over float64 sums and maxima. */
  needsRescale(sum: string, maxAbs: string): string {
    const finiteMax = this.node('Not', [this.nonFinite(maxAbs)]);
    const overflow = this.node('Equal', [sum, this.double(Number.POSITIVE_INFINITY)]);
    const underflow = this.and(
      this.node('Greater', [maxAbs, this.double(0)]),
      this.node('Less', [sum, this.double(FLOAT64_MIN_NORMAL)]),
    );
    return this.and(finiteMax, this.or(overflow, underflow));
  }

  /**
   * 2^floor(log2 m) for a positive finite float64 scalar m, exactly: the largest entry ≤ m of a table
   * of every power of two in float64 (1 when m is 0). core's rescaleExponent, without a logarithm.
   */
  powerOfTwoBelow(m: string): string {
    const table = Array.from({ length: 2098 }, (_, k) => 2 ** (k - 1074));
    const powers = this.builder.constant(ElementType.double, table, [table.length]);
    const fits = this.node('LessOrEqual', [powers, m]);
    const largest = this.reduce('ReduceMax', this.where(fits, powers, this.double(0)), null, false);
    return this.where(this.node('Greater', [largest, this.double(0)]), largest, this.double(1));
  }
}

/** A bound as the clamp nodes take it: its magnitude and, for -0, a sign factor. */
export interface ClampBound {
  readonly value: string;
  /** float32 -1 when the bound is -0, else undefined. */
  readonly negativeZeroSign?: string;
}

function bound(ops: ClipGraphOps, value: number): ClampBound {
  return Object.is(value, -0)
    ? { value: ops.float(0), negativeZeroSign: ops.float(-1) }
    : { value: ops.float(value) };
}

/**
 * `below ? min : above ? max : x`. x always comes through Where's last input, which keeps -0 (ORT's
 * Where turns a -0 from its second input into +0). A bound of -0 is therefore selected as +0 and
 * multiplied by a selected sign (±1, exact for every value).
 */
export function clampNodes(
  builder: GraphBuilder,
  x: string,
  below: string,
  min: ClampBound,
  above: string,
  max: ClampBound,
): string {
  const upper = withSign(builder, above, builder.node('Where', [above, max.value, x]), max);
  return withSign(builder, below, builder.node('Where', [below, min.value, upper]), min);
}

function withSign(builder: GraphBuilder, condition: string, value: string, chosen: ClampBound): string {
  if (chosen.negativeZeroSign === undefined) return value;
  const one = builder.constant(ElementType.float, [1]);
  return builder.node('Mul', [value, builder.node('Where', [condition, chosen.negativeZeroSign, one])]);
}
