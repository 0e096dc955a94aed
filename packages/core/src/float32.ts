/** Bit-level helpers for float32 values held in JavaScript numbers and Float32Arrays. */

const scratch = new DataView(new ArrayBuffer(4));

/** The IEEE-754 bits of `value` rounded to float32. NaN keeps its payload where the engine does. */
export function float32Bits(value: number): number {
  scratch.setFloat32(0, value);
  return scratch.getUint32(0);
}

export function float32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

/**
 * Distance in units in the last place between two float32 values, on the ordered integer line.
 * -0 sits one step below +0, so 0 ULP means "the same bits" (any NaN equals any NaN) and a
 * sign-of-zero difference shows as 1. NaN against a number is Infinity.
 */
export function ulpDistance(a: number, b: number): number {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN && bNaN ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(orderedFloat32(a) - orderedFloat32(b));
}

function orderedFloat32(value: number): number {
  const bits = float32Bits(value);
  // Negative floats run backwards in bit order; map them below zero, -0 to -1.
  return bits & 0x80000000 ? -(bits & 0x7fffffff) - 1 : bits;
}

/** True when both values are the same float32: NaN equals NaN, but -0 differs from +0. */
export function sameFloat32(a: number, b: number): boolean {
  if (Number.isNaN(a)) return Number.isNaN(b);
  return Object.is(Math.fround(a), Math.fround(b));
}

/** True when the two arrays hold the same float32 values, bit for bit (any NaN equals any NaN). */
export function sameFloat32Array(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ua[i] !== ub[i]) {
      const x = a[i] as number;
      const y = b[i] as number;
      if (!(Number.isNaN(x) && Number.isNaN(y))) return false;
    }
  }
  return true;
}

/** The index and values of the first element where two arrays differ bit for bit, or undefined. */
export function firstFloat32Difference(
  a: Float32Array,
  b: Float32Array,
): { index: number; actual: number; expected: number; ulps: number } | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!sameFloat32(x, y)) return { index: i, actual: x, expected: y, ulps: ulpDistance(x, y) };
  }
  return undefined;
}

/** Largest ULP distance between two equally long arrays. */
export function maxUlpDistance(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = ulpDistance(a[i] as number, b[i] as number);
    if (d > worst) worst = d;
  }
  return worst;
}

/** Largest finite float32, 3.4028234663852886e38. */
export const FLOAT32_MAX = 3.4028234663852886e38;
