/**
 * gpu.js kernel sources, kept as strings so that no TypeScript or coverage transform can rewrite
 * them before gpu.js parses them. The same source runs in every mode:
 *
 * - `Math.fround` is an identity on the float32 modes and makes the `cpu` mode (which computes in
 *   float64 JavaScript) round every operation like float32.
 * - Non-finite values are classified with `a <= largest` and `a > largest`, never with `isNaN`,
 *   `min`/`max` or a negated comparison, which GLSL compilers may rewrite as if NaN did not exist.
 * - `one` and `unit` are arguments equal to 1 (uniforms the shader compiler cannot see through):
 *   multiplying by them stops algebraic simplifications such as `(s - (s - a)) → a` and keeps a
 *   fused multiply-add from changing the rounding of the error-free transformations.
 * - Loop bounds are `this.constants` (an argument-bound loop is silently capped at
 *   `loopMaxIterations`); the real length of a chunk is an argument tested inside the loop.
 */

/** Elements per partial sum: one thread reduces one chunk of at most this many elements. */
export const CHUNK = 1024;

/**
 * Chunks per kernel run (a host batch or a device range): 2^13 chunks of `CHUNK` elements — a batch
 * of 2^22 elements holds 4096 full chunks, leaving room for the partial chunks of small tensors.
 */
export const CHUNK_CAPACITY = 2 ** 13;

/** Rows of the statistics kernel's output, per chunk. */
export const STATISTICS_ROWS = {
  maxAbs: 0,
  minValue: 1,
  maxValue: 2,
  nanCount: 3,
  positiveInfinityCount: 4,
  negativeInfinityCount: 5,
  firstNonFinite: 6,
} as const;
export const STATISTICS_ROW_COUNT = 7;

/**
 * Per chunk (thread.x) one statistic (thread.y) over its finite values: max |g|, min, max; the counts
 * of NaN, +∞ and -∞; the offset of the first non-finite value (the chunk length when there is none).
 */
export const statisticsSource = `function (values, chunkStart, chunkLength) {
  const start = chunkStart[this.thread.x];
  const length = chunkLength[this.thread.x];
  const row = this.thread.y;
  let result = 0;
  if (row === 1) { result = this.constants.largest; }
  if (row === 2) { result = 0 - this.constants.largest; }
  if (row === 6) { result = length; }
  for (let k = 0; k < this.constants.chunk; k++) {
    if (k < length) {
      const g = values[start + k];
      const a = Math.abs(g);
      if (a <= this.constants.largest) {
        if (row === 0) { if (a > result) { result = a; } }
        if (row === 1) { if (g < result) { result = g; } }
        if (row === 2) { if (g > result) { result = g; } }
      } else {
        if (a > this.constants.largest) {
          if (row === 4) { if (g > 0) { result = result + 1; } }
          if (row === 5) { if (g < 0) { result = result + 1; } }
        } else {
          if (row === 3) { result = result + 1; }
        }
        if (row === 6) { if (k < result) { result = k; } }
      }
    }
  }
  return result;
}`;

/**
 * Per chunk (thread.x): Σ (|g|·scaleA·scaleB)^power over its finite values as an unevaluated
 * float-float sum, hi (thread.y = 0) + lo (thread.y = 1). The scales are powers of two chosen on the
 * host from the chunk's max |g| so that the scaled values lie in [2^8, 2^9): squares cannot overflow
 * and the scaling is exact. Squares are split exactly (Dekker), sums are accumulated with Knuth's
 * TwoSum, so each partial sum carries about 48 significant bits.
 */
export const powerSumSource = `function (values, chunkStart, chunkLength, scaleA, scaleB, one, unit) {
  const start = chunkStart[this.thread.x];
  const length = chunkLength[this.thread.x];
  const sa = scaleA[this.thread.x];
  const sb = scaleB[this.thread.x];
  let hi = 0;
  let lo = 0;
  for (let k = 0; k < this.constants.chunk; k++) {
    if (k < length) {
      const magnitude = Math.abs(values[start + k]);
      if (magnitude <= this.constants.largest) {
        const a = Math.fround(Math.fround(Math.fround(magnitude * sa) * sb) * one);
        let p = a;
        let e = 0;
        if (this.constants.power === 2) {
          const t = Math.fround(Math.fround(a * 4097) * one);
          const d = Math.fround(Math.fround(t * unit) - a);
          const ah = Math.fround(t - d);
          const al = Math.fround(a - ah);
          p = Math.fround(Math.fround(a * a) * one);
          const e1 = Math.fround(p - Math.fround(ah * ah));
          const e2 = Math.fround(e1 - Math.fround(al * ah));
          const e3 = Math.fround(e2 - Math.fround(ah * al));
          e = Math.fround(Math.fround(al * al) - e3);
        }
        const s = Math.fround(hi + p);
        const bb = Math.fround(Math.fround(s * unit) - hi);
        const err = Math.fround(Math.fround(hi - Math.fround(s - bb)) + Math.fround(p - bb));
        const low = Math.fround(Math.fround(lo + err) + e);
        const h = Math.fround(s + low);
        lo = Math.fround(low - Math.fround(Math.fround(h * one) - s));
        hi = h;
      }
    }
  }
  if (this.thread.y === 0) { return hi; }
  return lo;
}`;

/** `g < low ? low : g > high ? high : g`; NaN and -0 pass through; a bound is used only when its flag is 1. */
export const clampSource = `function (values, low, high, useLow, useHigh) {
  const g = values[this.thread.x];
  const a = Math.abs(g);
  if (a <= this.constants.largest || a > this.constants.largest) {
    if (useLow > 0) { if (g < low) { return low; } }
    if (useHigh > 0) { if (g > high) { return high; } }
  }
  return g;
}`;

/** NaN and ±∞ → +0; every finite value (-0 included) unchanged. */
export const zeroNonFiniteSource = `function (values) {
  const g = values[this.thread.x];
  if (Math.abs(g) <= this.constants.largest) { return g; }
  return 0;
}`;

/** Scale orders, as the `order` constant of the scale kernels. */
export const SCALE_ORDER_CODES = { multiply: 0, multiplyThenDivide: 1, divideThenMultiply: 2 } as const;

/**
 * One multiplier (and divisor) for every element of the batch. `post` is 1, or the power of two that
 * undoes a lifted subnormal multiplier on engines that flush subnormals.
 */
export const scaleUniformSource = `function (values, multiplier, divisor, post) {
  const g = values[this.thread.x];
  if (this.constants.order === 0) { return Math.fround(Math.fround(g * multiplier) * post); }
  if (this.constants.order === 1) { return Math.fround(Math.fround(Math.fround(g * multiplier) * post) / divisor); }
  return Math.fround(Math.fround(Math.fround(g / divisor) * multiplier) * post);
}`;

/** A multiplier (divisor, post factor) per element: per tensor or per slice, laid out by the host. */
export const scalePerElementSource = `function (values, multipliers, divisors, posts) {
  const g = values[this.thread.x];
  const m = multipliers[this.thread.x];
  const d = divisors[this.thread.x];
  const post = posts[this.thread.x];
  if (this.constants.order === 0) { return Math.fround(Math.fround(g * m) * post); }
  if (this.constants.order === 1) { return Math.fround(Math.fround(Math.fround(g * m) * post) / d); }
  return Math.fround(Math.fround(Math.fround(g / d) * m) * post);
}`;

/** `values[i]`: copies host data into a pipeline output (the device upload of `fromHost`). */
export const copySource = `function (values) {
  return values[this.thread.x];
}`;

/** `values[order[i]]`: gathers a device tensor's slices into slice order, each slice contiguous. */
export const gatherSource = `function (values, order) {
  return values[order[this.thread.x]];
}`;
