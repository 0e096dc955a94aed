import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundUnits, toUnits } from '../conformance/exact-rational.js';
import { summarizeValues } from '../reference/reference-kernels.js';
import { sliceLayout } from '../slice-layout.js';
import { addExactPowerSum } from './exact-power-sum.js';
import { ExactSum, exactSum } from './exact-sum.js';

// The independent oracle: exact rational (BigInt) arithmetic, the kit's own (conformance/exact-rational.ts).
const exactly = (values: readonly number[]) => roundUnits(values.reduce((sum, x) => sum + toUnits(x), 0n));
const seed = 20261202;

describe('ExactSum: the exact sum, correctly rounded (checked against BigInt arithmetic)', () => {
  it('random float64 lists of any sign and range', () => {
    const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 });
    fc.assert(
      fc.property(fc.array(anyDouble, { maxLength: 60 }), (values) => {
        expect(Object.is(exactSum(values), exactly(values)) || exactSum(values) === exactly(values)).toBe(
          true,
        );
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('ties at float64 midpoints, settled by what lies below', () => {
    const cases: number[][] = [
      [1, 2 ** -53],
      [1, 2 ** -53, 2 ** -200],
      [1, 2 ** -53, -(2 ** -200)],
      [1 + 2 ** -52, 2 ** -53],
      [2 ** -53, 1 + 2 ** -52, -(2 ** -300)],
      [2 ** 60, 1, 2 ** -60],
    ];
    for (const values of cases) expect(exactSum(values)).toBe(exactly(values));
    expect(exactSum([1, 2 ** -53, 2 ** -200])).toBe(1 + 2 ** -52);
    expect(exactSum([1, 2 ** -53])).toBe(1);
  });

  it('many terms below the largest one’s ulp, which a plain sum drops', () => {
    const values = [1, ...new Array<number>(200_000).fill(2 ** -70)];
    let naive = 0;
    for (const value of values) naive += value;
    expect(naive).toBe(1);
    expect(exactSum(values)).toBe(exactly(values));
    expect(exactSum(values)).toBe(1 + 2 ** -52);
  });
});

describe('addExactPowerSum: Σ|g|^p of float32 values, exactly', () => {
  const float32Array = fc.array(
    fc.oneof(
      fc.float({ noNaN: true, noDefaultInfinity: true }),
      fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e-38), max: Math.fround(1e-38) }),
    ),
    { maxLength: 300 },
  );

  for (const p of [1, 2] as const) {
    it(`p = ${p}: random float32 values over the whole range, subnormals included`, () => {
      fc.assert(
        fc.property(float32Array, (list) => {
          const values = Float32Array.from(list);
          const sum = new ExactSum();
          addExactPowerSum(sum, values, p);
          const terms = Array.from(values, (g) => (p === 2 ? g * g : Math.abs(g)));
          expect(sum.round()).toBe(exactly(terms));
        }),
        { seed, numRuns: 500 },
      );
    });
  }

  it('2^24 + 5 elements (past float32 counting) in three binades, against a closed form', () => {
    const n = 2 ** 24 + 5;
    const values = new Float32Array(n);
    const pattern = [Math.fround(1.0000001), Math.fround(3e-20), Math.fround(-7.5e12)];
    const counts = [0n, 0n, 0n];
    for (let i = 0; i < n; i++) {
      values[i] = pattern[i % 3] as number;
      counts[i % 3] = (counts[i % 3] as bigint) + 1n;
    }
    const units = pattern.reduce((total, g, j) => total + (counts[j] as bigint) * toUnits(g * g), 0n);
    const sum = new ExactSum();
    addExactPowerSum(sum, values, 2);
    expect(sum.round()).toBe(roundUnits(units));
  });

  it('NaN and ±Infinity are left out (the caller counts them)', () => {
    const sum = new ExactSum();
    addExactPowerSum(sum, new Float32Array([3, Number.NaN, Number.POSITIVE_INFINITY, 4]), 2);
    expect(sum.round()).toBe(25);
  });
});

describe('the reference summary is the correctly rounded exact sum, per slice', () => {
  it('with axes (the element-by-element expansion path) and whole tensors (the binned path)', () => {
    const values = new Float32Array(6 * 50).map((_, i) =>
      Math.fround((i % 7 === 0 ? 1e15 : 1e-12) * Math.sin(i + 1)),
    );
    for (const axes of [undefined, [1], [0]]) {
      const layout = sliceLayout([6, 50], axes, 'x');
      const summary = summarizeValues(values, { p: 2, layouts: [layout] }, 0);
      const perSlice: number[][] = Array.from({ length: layout.sliceCount }, () => []);
      values.forEach((g, i) => {
        const slice = axes === undefined ? 0 : axes[0] === 1 ? Math.floor(i / 50) : i % 50;
        perSlice[slice]?.push(g * g);
      });
      perSlice.forEach((terms, slice) => {
        expect(summary.sums[slice]).toBe(exactly(terms));
      });
      expect(summary.sumErrors).toBeUndefined();
    }
  });
});
