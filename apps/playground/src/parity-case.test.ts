import { describe, expect, it } from 'vitest';
import { parseCaseFile } from './parity-case.js';

describe('parseCaseFile', () => {
  it('reads a hand-written file with NaN, ±Infinity and -0', () => {
    const [testCase] = parseCaseFile({
      cases: [
        {
          id: 'mine/specials',
          spec: { kind: 'globalNorm', maxNorm: 1, nonFinite: 'zero' },
          input: [{ name: 'w', shape: [2, 2], values: ['NaN', 'Infinity', '-Infinity', '-0'] }],
        },
      ],
    });
    expect(testCase?.id).toBe('mine/specials');
    const values = Array.from(testCase?.input[0]?.values ?? []);
    expect(values.slice(0, 3)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(Object.is(values[3], -0)).toBe(true);
  });

  it.each([
    [{}, /cases: got undefined, expected an object \{ "cases": \[ … \] \}/],
    [{ cases: [{ spec: {}, input: [] }] }, /cases\[0\]\.id: got undefined, expected a non-empty string/],
    [{ cases: [{ id: 'a', input: [] }] }, /cases\[0\] \("a"\)\.spec: got undefined/],
    [{ cases: [{ id: 'a', spec: { kind: 'value' }, input: {} }] }, /cases\[0\] \("a"\)\.input: got \{\}/],
    [
      {
        cases: [{ id: 'a', spec: { kind: 'value' }, input: [{ name: 'w', shape: [2], values: [1, 'nan'] }] }],
      },
      /cases\[0\] \("a"\)\.input\[0\]\.values\[1\]: got "nan"/,
    ],
    [
      { cases: [{ id: 'a', spec: { kind: 'value' }, input: [{ name: 'w', shape: [3], values: [1] }] }] },
      /cases\[0\] \("a"\)\.input\[0\]: shape \[3\] holds 3 values, but values has 1/,
    ],
    [
      {
        cases: [
          { id: 'a', spec: { kind: 'value' }, input: [] },
          { id: 'a', spec: { kind: 'value' }, input: [] },
        ],
      },
      /cases\[1\] \("a"\)\.id: got "a", expected ids that are unique/,
    ],
  ])('fails loudly on %j, naming the case and the field', (data, message) => {
    expect(() => parseCaseFile(data, 'my-cases.json')).toThrow(message);
  });
});
