import { sequenceCases } from '@gradclip/core/conformance';
import { describe, expect, it } from 'vitest';
import { parseCaseFile } from './parity-case.js';

/** A well-formed sequence step; the tests below break one field at a time. */
const REPORT = {
  kind: 'zClip',
  normBefore: 5,
  normAfter: 5,
  scale: 1,
  clipped: false,
  nonFiniteCount: 0,
  skipped: false,
  threshold: 'Infinity',
};
const STEP = {
  input: [{ name: 'w', shape: [2], values: [3, 4] }],
  expect: { outputs: [{ name: 'w', shape: [2], values: [3, 4] }], report: REPORT },
};

function sequence(fields: Record<string, unknown>) {
  return { cases: [{ id: 's', spec: { kind: 'zClip' }, ...fields }] };
}

describe('parseCaseFile', () => {
  it('reads a hand-written file with NaN, ±Infinity and -0', () => {
    const {
      cases: [testCase],
    } = parseCaseFile({
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

  it('sorts a mixed file into single cases (with parameters when given) and sequence cases', () => {
    const kitCase = sequenceCases.find((testCase) => testCase.spec.kind === 'zClip');
    const file = parseCaseFile(
      JSON.parse(
        JSON.stringify({
          cases: [
            {
              id: 'agc/mine',
              spec: { kind: 'agc', clipping: 0.01 },
              input: [{ name: 'w', shape: [2], values: [3, 4] }],
              parameters: [{ name: 'w', shape: [2], values: [1, '-0'] }],
            },
            kitCase,
            { id: 'value/mine', spec: { kind: 'value', clipValue: 1 }, input: [] },
          ],
        }),
      ),
    );
    expect(file.cases.map((testCase) => testCase.id)).toEqual(['agc/mine', 'value/mine']);
    expect(Array.from(file.cases[0]?.parameters?.[0]?.values ?? [])).toEqual([1, -0]);
    expect(Object.is(file.cases[0]?.parameters?.[0]?.values[1], -0)).toBe(true);
    expect(file.cases[1]?.parameters).toBeUndefined();
    // Kept as written: the kit's checkSequenceCase reads its values.
    expect(file.sequenceCases).toEqual([JSON.parse(JSON.stringify(kitCase))]);
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
    [
      {
        cases: [
          {
            id: 'a',
            spec: { kind: 'agc' },
            input: [],
            parameters: [{ name: 'w', shape: [1], values: ['x'] }],
          },
        ],
      },
      /cases\[0\] \("a"\)\.parameters\[0\]\.values\[0\]: got "x"/,
    ],
    [sequence({ steps: [] }), /cases\[0\] \("s"\)\.steps: got \[\], expected a non-empty array/],
    [sequence({ steps: [7] }), /cases\[0\] \("s"\)\.steps\[0\]: got 7, expected an object/],
    [
      sequence({ steps: [{ ...STEP, input: [{ name: 'w', shape: [2], values: [3] }] }] }),
      /\.steps\[0\]\.input\[0\]: shape \[2\] holds 2 values, but values has 1/,
    ],
    [sequence({ steps: [{ input: STEP.input }] }), /\.steps\[0\]\.expect: got undefined, expected an object/],
    [
      sequence({ steps: [{ ...STEP, expect: { ...STEP.expect, outputs: [] } }] }),
      /\.steps\[0\]\.expect\.outputs: got \[\], expected an array of 1 outputs/,
    ],
    [
      sequence({
        steps: [
          { ...STEP, expect: { ...STEP.expect, outputs: [{ name: 'v', shape: [2], values: [3, 4] }] } },
        ],
      }),
      /\.steps\[0\]\.expect\.outputs\[0\]\.name: got "v", expected "w"/,
    ],
    [
      sequence({
        steps: [{ ...STEP, expect: { ...STEP.expect, outputs: [{ name: 'w', shape: [2], hash: 'abc' }] } }],
      }),
      /\.steps\[0\]\.expect\.outputs\[0\]\.hash: got "abc", expected bitsHash/,
    ],
    [
      sequence({
        steps: [{ ...STEP, expect: { ...STEP.expect, report: { ...REPORT, normBefore: 'big' } } }],
      }),
      /\.steps\[0\]\.expect\.report\.normBefore: got "big", expected a number or one of/,
    ],
    [
      sequence({ steps: [{ ...STEP, expect: { ...STEP.expect, report: { ...REPORT, clipped: 'no' } } }] }),
      /\.steps\[0\]\.expect\.report\.clipped: got "no", expected true or false/,
    ],
    [
      sequence({ steps: [{ ...STEP, parameters: {} }] }),
      /\.steps\[0\]\.parameters: got \{\}, expected an array/,
    ],
  ])('fails loudly on %j, naming the case and the field', (data, message) => {
    expect(() => parseCaseFile(data, 'my-cases.json')).toThrow(message);
  });
});
