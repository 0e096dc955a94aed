import { createRandom } from '@gradclip/core/backend';
import { deterministicLog } from './deterministic-log.js';

/**
 * A seeded generator whose every output is the same bits on every JavaScript engine: sfc32 from
 * @gradclip/core for the integer stream, then only correctly rounded operations (+, −, ×, ÷,
 * `Math.sqrt`) and {@link deterministicLog}.
 */
export interface SeededRandom {
  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal (Marsaglia's polar method), exact in distribution unlike an Irwin–Hall sum. */
  normal(): number;
  /** Uniform integer in [0, bound), without modulo bias; `bound` in [1, 2^32]. */
  integer(bound: number): number;
}

const TWO_POW_32 = 4294967296;

export function createSeededRandom(seed: number): SeededRandom {
  const source = createRandom(seed);
  // core's uniform() is next() / 2^32, so multiplying back gives the 32-bit word exactly.
  const word = () => source.uniform() * TWO_POW_32;
  const uniform = () => (Math.floor(word() / 32) * 67108864 + Math.floor(word() / 64)) / 9007199254740992;
  let spare: number | undefined;
  return {
    uniform,
    normal: () => {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      for (;;) {
        const u = 2 * uniform() - 1;
        const v = 2 * uniform() - 1;
        const s = u * u + v * v;
        if (s > 0 && s < 1) {
          const factor = Math.sqrt((-2 * deterministicLog(s)) / s);
          spare = v * factor;
          return u * factor;
        }
      }
    },
    integer: (bound) => {
      // Rejection keeps every value equally likely: discard the top partial block of 2^32.
      const limit = TWO_POW_32 - (TWO_POW_32 % bound);
      for (;;) {
        const value = word();
        if (value < limit) return value % bound;
      }
    },
  };
}

/** A uniformly random permutation of 0 … length − 1 (Fisher–Yates), driven by `random`. */
export function randomPermutation(length: number, random: SeededRandom): Int32Array {
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  for (let i = length - 1; i > 0; i--) {
    const j = random.integer(i + 1);
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}
