import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { sameFloat32Array } from './float32.js';
import { gradientFromJson, gradientToJson } from './gradient-json.js';

/**
 * One fixed seed, so that a CI failure reproduces; fast-check's failure message carries the seed
 * and the shrink path, and the hook below repeats the seed. Explore others with
 * GRADCLIP_PROPERTY_SEED=<integer>.
 */
const SEED = Number(process.env.GRADCLIP_PROPERTY_SEED ?? 20_261_202);
fc.configureGlobal({ seed: SEED });
afterEach((context) => {
  if (context.task.result?.state === 'fail')
    console.error(`property test failed with seed ${SEED} (rerun with GRADCLIP_PROPERTY_SEED=${SEED})`);
});

describe('gradients as JSON', () => {
  it('round-trips every float32 exactly through JSON text, NaN, ±Infinity and -0 included', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 64 }), (values) => {
        const text = JSON.stringify(gradientToJson({ name: 'g', shape: [values.length], values }));
        const back = gradientFromJson(JSON.parse(text));
        expect(sameFloat32Array(back.values, values)).toBe(true);
        back.values.forEach((x, i) => {
          expect(Object.is(x, values[i]) || Number.isNaN(x)).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('spells the special values as strings', () => {
    const json = gradientToJson({
      name: 'g',
      shape: [4],
      values: new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]),
    });
    expect(json.values).toEqual(['NaN', 'Infinity', '-Infinity', '-0']);
  });

  it('reads decimals as the nearest float32, as a float32 tensor stores them', () => {
    expect(gradientFromJson({ name: 'g', shape: [1], values: [0.1] }).values[0]).toBe(Math.fround(0.1));
  });

  it.each([
    [
      { name: 'g', shape: [1], values: [1e39] },
      /g.values\[0\]: got 1e\+39, expected a value within the float32 range/,
    ],
    [{ name: 'g', shape: [2], values: [1] }, /shape \[2\] holds 2 values, but values has 1/],
    [
      { name: 'g', shape: [1], values: ['nan'] },
      /g.values\[0\]: got "nan", expected a number or one of "NaN"/,
    ],
    [{ name: '', shape: [1], values: [1] }, /g.name: got "", expected a non-empty string/],
    [{ name: 'g', shape: [1.5], values: [1] }, /g.shape: got \[1.5\]/],
  ])('rejects %j with a message naming the field', (input, message) => {
    expect(() => gradientFromJson(input, 'g')).toThrow(message);
  });
});
