import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clipErrorOf } from '../clip-error-of.test-support.js';
import { ClipError } from '../errors.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { bitsHash } from './case-format.js';
import { checkSequenceCase } from './check-sequence-case.js';
import { parseSequenceCase } from './parse-sequence-case.js';
import type { SequenceCase } from './sequence-case-format.js';
import { sequenceCases } from './sequence-cases.js';

/** A well-formed hand-written case; the tests below break one field at a time. */
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
const CASE = { id: 'zClip/mine', description: 'one step', spec: { kind: 'zClip' }, steps: [STEP] };

function withStep(step: Record<string, unknown>, index = 0) {
  return { ...CASE, steps: [STEP, STEP, STEP].map((s, i) => (i === index ? step : s)) };
}
function withReport(fields: Record<string, unknown>) {
  return withStep({ ...STEP, expect: { ...STEP.expect, report: { ...REPORT, ...fields } } });
}
function withOutputs(outputs: unknown) {
  return withStep({ ...STEP, expect: { ...STEP.expect, outputs } });
}

describe('parseSequenceCase', () => {
  it('returns every kit sequence case unchanged', () => {
    for (const testCase of sequenceCases) {
      const copy = JSON.parse(JSON.stringify(testCase));
      expect(parseSequenceCase(copy), testCase.id).toBe(copy);
      expect(copy, testCase.id).toEqual(JSON.parse(JSON.stringify(testCase)));
    }
  });

  it('reads cases/sequences.json as written', () => {
    const path = fileURLToPath(new URL('./cases/sequences.json', import.meta.url));
    const file = JSON.parse(readFileSync(path, 'utf8')) as { cases: unknown[] };
    expect(file.cases.length).toBeGreaterThan(0);
    file.cases.forEach((testCase, i) => {
      expect(parseSequenceCase(testCase, `cases[${i}]`)).toBe(testCase);
    });
  });

  it('accepts hashed outputs, generated inputs, parameters, requires, null state and the non-finite spellings', () => {
    const testCase = {
      ...CASE,
      requires: ['largeTensors'],
      finalState: null,
      steps: [
        {
          input: [
            { name: 'w', shape: [2], values: ['NaN', '-0'] },
            { name: 'b', shape: [3], generate: { kind: 'normal', seed: 7, scale: 0.5 } },
          ],
          parameters: [{ name: 'w', shape: [2], generate: { kind: 'constant', value: 1 } }],
          expect: {
            outputs: [
              { name: 'w', shape: [2], hash: bitsHash(new Float32Array([0, -0])) },
              { name: 'b', shape: [3], values: [1, 2, 3] },
            ],
            report: {
              ...REPORT,
              normBefore: 'NaN',
              scale: null,
              nonFiniteCount: 1,
              perTensorThresholds: ['Infinity', 2],
            },
          },
        },
      ],
    };
    expect(parseSequenceCase(testCase)).toBe(testCase);
  });

  it.each([
    ['not an object', [], 'INVALID_SPEC', 'case', /^case: got \[\], expected an object/],
    [
      'no id',
      { ...CASE, id: '' },
      'INVALID_SPEC',
      'case.id',
      /^case\.id: got "", expected a non-empty string$/,
    ],
    [
      'a numeric description',
      { ...CASE, description: 1 },
      'INVALID_SPEC',
      'case.description',
      /got 1, expected a string/,
    ],
    [
      'no spec',
      { ...CASE, spec: undefined },
      'INVALID_SPEC',
      'case.spec',
      /got undefined, expected a spec object/,
    ],
    [
      'requires as a string',
      { ...CASE, requires: 'axes' },
      'INVALID_SPEC',
      'case.requires',
      /capability names/,
    ],
    [
      'no steps',
      { ...CASE, steps: [] },
      'INVALID_SPEC',
      'case.steps',
      /got \[\], expected a non-empty array/,
    ],
    [
      'steps as an object',
      { ...CASE, steps: {} },
      'INVALID_SPEC',
      'case.steps',
      /got \{\}, expected a non-empty/,
    ],
    [
      'a step that is a number',
      withStep(7 as never, 1),
      'INVALID_SPEC',
      'case.steps[1]',
      /got 7, expected an object/,
    ],
    [
      'input as an object',
      withStep({ ...STEP, input: {} }),
      'INVALID_SPEC',
      'case.steps[0].input',
      /got \{\}, expected an array/,
    ],
    [
      'too few values',
      withStep({ ...STEP, input: [{ name: 'w', shape: [2], values: [3] }] }, 2),
      'INVALID_GRADIENTS',
      'case.steps[2].input[0].values',
      /^case\.steps\[2\]\.input\[0\]: shape \[2\] holds 2 values, but values has 1/,
    ],
    [
      'a misspelt NaN',
      withStep({ ...STEP, input: [{ name: 'w', shape: [2], values: [3, 'nan'] }] }),
      'INVALID_GRADIENTS',
      'case.steps[0].input[0].values[1]',
      /got "nan", expected a number or one of/,
    ],
    [
      'duplicate input names',
      withStep({ ...STEP, input: [STEP.input[0], STEP.input[0]] }),
      'INVALID_SPEC',
      'case.steps[0].input[1].name',
      /got "w", expected names that are unique/,
    ],
    [
      'a generated input of an unknown kind',
      withStep({ ...STEP, input: [{ name: 'w', shape: [2], generate: { kind: 'uniform' } }] }),
      'INVALID_GRADIENTS',
      'case.steps[0].input[0].generate',
      /expected \{ "kind": "normal"/,
    ],
    [
      'a generated input without a seed',
      withStep({ ...STEP, input: [{ name: 'w', shape: [2], generate: { kind: 'normal', scale: 1 } }] }),
      'INVALID_GRADIENTS',
      'case.steps[0].input[0].generate.seed',
      /got undefined, expected an integer/,
    ],
    [
      'parameters as an object',
      withStep({ ...STEP, parameters: {} }),
      'INVALID_SPEC',
      'case.steps[0].parameters',
      /got \{\}, expected an array/,
    ],
    [
      'a parameter with a bad shape',
      withStep({ ...STEP, parameters: [{ name: 'w', shape: [-1], values: [] }] }),
      'INVALID_GRADIENTS',
      'case.steps[0].parameters[0].shape',
      /expected an array of integers ≥ 0/,
    ],
    [
      'no expect',
      withStep({ input: STEP.input }),
      'INVALID_SPEC',
      'case.steps[0].expect',
      /got undefined, expected an object/,
    ],
    [
      'one output too few',
      withOutputs([]),
      'INVALID_SPEC',
      'case.steps[0].expect.outputs',
      /got \[\], expected an array of 1 outputs/,
    ],
    [
      'an output named otherwise',
      withOutputs([{ name: 'v', shape: [2], values: [3, 4] }]),
      'INVALID_SPEC',
      'case.steps[0].expect.outputs[0].name',
      /got "v", expected "w", the name of input\[0\]/,
    ],
    [
      'an output whose values disagree with its shape',
      withOutputs([{ name: 'w', shape: [3], values: [3, 4] }]),
      'INVALID_GRADIENTS',
      'case.steps[0].expect.outputs[0].values',
      /outputs\[0\]: shape \[3\] holds 3 values, but values has 2/,
    ],
    [
      'a short hash',
      withOutputs([{ name: 'w', shape: [2], hash: 'abc' }]),
      'INVALID_SPEC',
      'case.steps[0].expect.outputs[0].hash',
      /^case\.steps\[0\]\.expect\.outputs\[0\]\.hash: got "abc", expected bitsHash of the output: 16 lowercase hex digits$/,
    ],
    [
      'an upper-case hash',
      withOutputs([{ name: 'w', shape: [2], hash: 'ABCDEF0123456789' }]),
      'INVALID_SPEC',
      'case.steps[0].expect.outputs[0].hash',
      /16 lowercase hex digits/,
    ],
    [
      'a hashed output without a shape',
      withOutputs([{ name: 'w', hash: '0123456789abcdef' }]),
      'INVALID_SPEC',
      'case.steps[0].expect.outputs[0].shape',
      /got undefined, expected an array of integers/,
    ],
    [
      'no report',
      withStep({ ...STEP, expect: { outputs: STEP.expect.outputs } }),
      'INVALID_SPEC',
      'case.steps[0].expect.report',
      /got undefined, expected an object/,
    ],
    [
      'a report without kind',
      withReport({ kind: undefined }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.kind',
      /expected a strategy kind/,
    ],
    [
      'clipped as a string',
      withReport({ clipped: 'no' }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.clipped',
      /got "no", expected true or false/,
    ],
    [
      'skipped absent',
      withReport({ skipped: undefined }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.skipped',
      /got undefined, expected true or false/,
    ],
    [
      'a fractional nonFiniteCount',
      withReport({ nonFiniteCount: 1.5 }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.nonFiniteCount',
      /got 1\.5, expected an integer ≥ 0/,
    ],
    [
      'a negative nonFiniteCount',
      withReport({ nonFiniteCount: -1 }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.nonFiniteCount',
      /got -1/,
    ],
    [
      'normBefore as a word',
      withReport({ normBefore: 'big' }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.normBefore',
      /got "big", expected a number or one of/,
    ],
    [
      'normAfter absent',
      withReport({ normAfter: undefined }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.normAfter',
      /got undefined/,
    ],
    [
      'scale as a string',
      withReport({ scale: 'one' }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.scale',
      /got "one", expected .*, or null$/,
    ],
    [
      'threshold null',
      withReport({ threshold: null }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.threshold',
      /got null, expected .* \(or absent\)$/,
    ],
    [
      'perTensorThresholds with a word',
      withReport({ perTensorThresholds: [1, 'inf'] }),
      'INVALID_SPEC',
      'case.steps[0].expect.report.perTensorThresholds',
      /got \[1,"inf"\], expected an array, each/,
    ],
    [
      'finalState as a number',
      { ...CASE, finalState: 3 },
      'INVALID_SPEC',
      'case.finalState',
      /got 3, expected an object/,
    ],
    [
      'finalState as an array',
      { ...CASE, finalState: [] },
      'INVALID_SPEC',
      'case.finalState',
      /got \[\], expected an object/,
    ],
  ])('rejects %s, naming the field', (_, data, code, field, message) => {
    const error = clipErrorOf(() => parseSequenceCase(data));
    expect([error.code, error.field]).toEqual([code, field]);
    expect(error.message).toMatch(message);
  });

  it('starts every path from the field it is given', () => {
    const error = clipErrorOf(() =>
      parseSequenceCase(withReport({ scale: 'one' }), 'cases[3] ("zClip/mine")'),
    );
    expect(error.field).toBe('cases[3] ("zClip/mine").steps[0].expect.report.scale');
    expect(error.message).toMatch(
      /^cases\[3\] \("zClip\/mine"\)\.steps\[0\]\.expect\.report\.scale: got "one"/,
    );
  });
});

describe('checkSequenceCase on a malformed case', () => {
  it.each([
    ['steps that are not an array', { ...CASE, steps: 'many' }],
    ['a step without expect', withStep({ input: STEP.input }, 1)],
    ['an output named otherwise', withOutputs([{ name: 'v', shape: [2], values: [3, 4] }])],
  ])('rejects %s with the parser’s ClipError before running', async (_, data) => {
    const expected = clipErrorOf(() => parseSequenceCase(data));
    const backend = createReferenceBackend();
    await expect(checkSequenceCase(backend, data as unknown as SequenceCase)).rejects.toThrow(
      expected.message,
    );
    const error = await checkSequenceCase(backend, data as unknown as SequenceCase).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClipError);
    expect((error as ClipError).field).toBe(expected.field);
  });
});
