/**
 * A seeded generator whose output is identical on every JavaScript engine: integer arithmetic
 * only (no Math.log/Math.cos, whose last bits differ between engines). Used for conformance
 * inputs and property tests.
 */
export interface Random {
  /** Uniform in [0, 1), 32 random bits. */
  uniform(): number;
  /** Approximately standard normal (Irwin–Hall sum of 12 uniforms minus 6). */
  normal(): number;
}

/** sfc32 seeded from one integer through splitmix32. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  const uniform = () => next() / 4294967296;
  return {
    uniform,
    normal: () => {
      let sum = 0;
      for (let i = 0; i < 12; i++) sum += uniform();
      return sum - 6;
    },
  };
}
