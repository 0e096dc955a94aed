import {
  ClipError,
  type ClipReport,
  type ClipSpec,
  clip,
  clipperFromJSON,
  clipSync,
  createClipper,
  parseSpec,
} from '@gradclip/core';
import { createRandom, sameFloat32Array } from '@gradclip/core/backend';
import { caseInputValues, conformanceCases, sequenceCases } from '@gradclip/core/conformance';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  CLIP_GRAPH_REPORT_OUTPUTS,
  clipGraphNextState,
  clipGraphStateFeeds,
  clippedOutputName,
  exportClipGraph,
  MAX_EXPORTED_Z_CLIP_WARMUP,
  parameterInputName,
} from './index.js';

interface HostInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

type HostGradients = Record<string, { shape: number[]; values: Float32Array }>;
type GraphOutputs = Awaited<ReturnType<ort.InferenceSession['run']>>;

function hostOf(inputs: readonly HostInput[]): HostGradients {
  return Object.fromEntries(
    inputs.map((input) => [input.name, { shape: [...input.shape], values: input.values.slice() }]),
  );
}

function signatureOf(inputs: readonly HostInput[], symbolic: boolean) {
  return {
    inputs: inputs.map((input) => ({
      name: input.name,
      // Symbolic dimensions: the same graph must serve these sizes.
      shape: symbolic ? input.shape.map((_, axis) => `${input.name}_${axis}`) : input.shape,
    })),
  };
}

async function openSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  // Graph optimizations off: ORT's optimizer ('basic' included) changed a float32 result by 1 ULP.
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
}

/** The gradients (and `parameter/<name>` inputs the graph declares) as feeds. */
function feedsOf(
  session: ort.InferenceSession,
  inputs: readonly HostInput[],
  parameters: readonly HostInput[] | undefined,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = Object.fromEntries(
    inputs.map((input) => [input.name, new ort.Tensor('float32', input.values.slice(), [...input.shape])]),
  );
  for (const parameter of parameters ?? []) {
    const name = parameterInputName(parameter.name);
    if (session.inputNames.includes(name)) {
      feeds[name] = new ort.Tensor('float32', parameter.values.slice(), [...parameter.shape]);
    }
  }
  return feeds;
}

function sameNumber(actual: number, expected: number): boolean {
  return Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected));
}

/** The graph's outputs against a report and gradients of core. */
function expectOutputsMatch(
  label: string,
  inputs: readonly HostInput[],
  outputs: GraphOutputs,
  oracle: {
    gradients: Record<string, { shape: readonly number[]; values: Float32Array }>;
    report: ClipReport;
  },
): void {
  const output = (name: string) => {
    const tensor = outputs[name];
    if (tensor === undefined) throw new Error(`the graph has no output ${name}`);
    return tensor.data as Uint8Array | Float64Array | BigInt64Array;
  };
  const flag = (name: string) => Boolean(output(name)[0]);
  const number = (name: string) => Number(output(name)[0]);
  expect(flag(CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteError), label).toBe(false);
  for (const input of inputs) {
    const tensor = outputs[clippedOutputName(input.name)];
    const expected = oracle.gradients[input.name] as { shape: readonly number[]; values: Float32Array };
    expect(tensor?.dims, label).toEqual(expected.shape);
    const actual = tensor?.data as Float32Array;
    if (!sameFloat32Array(actual, expected.values)) {
      const at = actual.findIndex((value, i) => !sameNumber(value, expected.values[i] as number));
      expect.fail(`${label} ${input.name}[${at}]: graph ${actual[at]}, oracle ${expected.values[at]}`);
    }
  }
  const { report } = oracle;
  expect(flag(CLIP_GRAPH_REPORT_OUTPUTS.clipped), label).toBe(report.clipped);
  expect(flag(CLIP_GRAPH_REPORT_OUTPUTS.skipped), label).toBe(report.skipped);
  expect(number(CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteCount), label).toBe(report.nonFiniteCount);
  const normBefore = number(CLIP_GRAPH_REPORT_OUTPUTS.normBefore);
  if (Number.isFinite(report.normBefore)) {
    expect(Math.abs(normBefore - report.normBefore), label).toBeLessThanOrEqual(1e-9 * report.normBefore);
  } else expect(normBefore, label).toBe(report.normBefore);
  const scale = number(CLIP_GRAPH_REPORT_OUTPUTS.scale);
  if (report.scale === null) expect(scale, label).toBeNaN();
  else if (Number.isFinite(report.scale)) {
    expect(Math.abs(scale - report.scale), label).toBeLessThanOrEqual(1e-9 * Math.abs(report.scale));
  } else expect(scale, label).toBe(report.scale);
  // The kinds' own report fields: bit for bit (NaN, or 0 for the count, where the report has none).
  if (outputs[CLIP_GRAPH_REPORT_OUTPUTS.threshold] !== undefined) {
    expect(number(CLIP_GRAPH_REPORT_OUTPUTS.threshold), label).toBe(report.threshold ?? Number.NaN);
  }
  const perTensor = outputs[CLIP_GRAPH_REPORT_OUTPUTS.perTensorThresholds];
  if (perTensor !== undefined) {
    const expected = report.perTensorThresholds ?? inputs.map(() => Number.NaN);
    expect(Array.from(perTensor.data as Float64Array), label).toEqual(expected);
  }
  if (outputs[CLIP_GRAPH_REPORT_OUTPUTS.clippedExamples] !== undefined) {
    expect(number(CLIP_GRAPH_REPORT_OUTPUTS.clippedExamples), label).toBe(report.clippedExamples ?? 0);
  }
}

/** Loads the exported graph in a fresh session, runs it, and compares it with the oracle's `clip`. */
async function expectExportMatchesOracle(
  spec: unknown,
  inputs: readonly HostInput[],
  symbolic: boolean,
  parameters?: readonly HostInput[],
): Promise<void> {
  const bytes = exportClipGraph(spec, signatureOf(inputs, symbolic));
  const session = await openSession(bytes);
  try {
    const outputs = await session.run(feedsOf(session, inputs, parameters));
    const host = hostOf(inputs);
    let oracle: { gradients: HostGradients; report: ClipReport };
    try {
      oracle = await clip(
        host,
        spec as ClipSpec,
        parameters === undefined ? {} : { parameters: hostOf(parameters) },
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ClipError);
      expect((error as ClipError).code).toBe('NON_FINITE_GRADIENT');
      expect(Boolean(outputs[CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteError]?.data[0])).toBe(true);
      for (const input of inputs) {
        const output = outputs[clippedOutputName(input.name)]?.data as Float32Array;
        expect(sameFloat32Array(output, input.values)).toBe(true);
      }
      return;
    }
    expectOutputsMatch(JSON.stringify(spec), inputs, outputs, oracle);
  } finally {
    await session.release();
  }
}

/** Every kind: single-call cases of stateful kinds start from fresh state, as `clip` does. */
const GRAPH_KINDS = new Set([
  'value',
  'norm',
  'globalNorm',
  'chain',
  'blockRms',
  'skipOnSpike',
  'lossScaled',
  'groups',
  'perExample',
  'agc',
  'autoClip',
  'zClip',
  'adaGC',
]);

/**
 * The conformance cases whose spec is valid and whose kind a graph expresses: every strategy,
 * policy and compat mode the kit has for those kinds.
 */
const exportable = conformanceCases.filter((testCase) => {
  if ('error' in testCase.expect && testCase.expect.error.code !== 'NON_FINITE_GRADIENT') return false;
  if (!GRAPH_KINDS.has(String((testCase.spec as { kind?: unknown }).kind))) return false;
  try {
    parseSpec(testCase.spec);
    return true;
  } catch {
    return false;
  }
});

describe('exportClipGraph against the oracle', () => {
  it('has cases for every kind', () => {
    expect(new Set(exportable.map((testCase) => testCase.id.split('/')[0]))).toEqual(
      new Set(['value', 'norm', 'globalNorm', 'chain', 'kinds']),
    );
    const kinds = exportable.filter((testCase) => testCase.id.startsWith('kinds/'));
    expect([...new Set(kinds.map((testCase) => (testCase.spec as { kind: string }).kind))]).toEqual(
      expect.arrayContaining(['blockRms', 'skipOnSpike', 'lossScaled', 'groups', 'perExample']),
    );
  });
  for (const testCase of exportable) {
    it(testCase.id, async () => {
      const inputs = testCase.input.map((input) => ({
        name: input.name,
        shape: input.shape,
        values: caseInputValues(input),
      }));
      await expectExportMatchesOracle(testCase.spec, inputs, testCase.id.length % 2 === 0);
    });
  }

  it('matches on random gradients for every compat mode, policy and order', async () => {
    const random = createRandom(2024);
    const specs: unknown[] = [];
    for (const compat of ['exact', 'pytorch', 'keras', 'optax']) {
      for (const nonFinite of ['error', 'propagate', 'nanAll', 'skip', 'zero']) {
        for (const p of compat === 'exact' || compat === 'pytorch' ? [1, 2, 3, 'inf'] : [2]) {
          specs.push({ kind: 'norm', maxNorm: 0.7, p, compat, nonFinite });
          specs.push({ kind: 'globalNorm', maxNorm: 1.3, p, compat, nonFinite });
        }
        specs.push({ kind: 'norm', maxNorm: 0.4, axes: [0], compat, nonFinite });
        specs.push({
          kind: 'chain',
          nonFinite,
          compat,
          steps: [
            { kind: 'value', min: -1.5, max: 1.5 },
            { kind: 'globalNorm', maxNorm: 2 },
          ],
        });
      }
    }
    for (const [k, spec] of specs.entries()) {
      const inputs = ['a', 'b', 'c'].map((name, i) => {
        const shape = [3 + i, 4];
        const values = Float32Array.from({ length: 12 + 4 * i }, () => random.normal() * 0.8);
        if (k % 3 === 0 && i === 1) values[5] = k % 2 === 0 ? Number.NaN : Number.NEGATIVE_INFINITY;
        return { name, shape, values };
      });
      await expectExportMatchesOracle(spec, inputs, k % 2 === 0);
    }
  });

  it('keeps -0 through bounds, skips and scales', async () => {
    const values = new Float32Array([-1, 1, -0, 0, -2.5, 3, Number.NaN]);
    const specs = [
      { kind: 'value', min: -0, max: -0, nonFinite: 'propagate' },
      { kind: 'value', min: -0, max: 2, nonFinite: 'skip' },
      { kind: 'globalNorm', maxNorm: 1, nonFinite: 'skip' },
      { kind: 'globalNorm', maxNorm: 1, nonFinite: 'zero' },
      { kind: 'norm', maxNorm: 0, nonFinite: 'zero' },
      { kind: 'chain', nonFinite: 'skip', steps: [{ kind: 'value', min: -0, max: 1 }] },
    ];
    for (const spec of specs) {
      await expectExportMatchesOracle(spec, [{ name: 'g', shape: [7], values }], false);
      await expectExportMatchesOracle(spec, [{ name: 'g', shape: [6], values: values.subarray(0, 6) }], true);
    }
  });

  it('rejects an invalid spec or signature with a ClipError naming the field', () => {
    expect(() => exportClipGraph({ kind: 'norm', maxNorm: -1 }, { inputs: [] })).toThrow(ClipError);
    const error = (() => {
      try {
        exportClipGraph({ kind: 'value', min: 0, max: 1 }, { inputs: [{ name: 'w', shape: [2, -1] }] });
      } catch (caught) {
        return caught as ClipError;
      }
    })();
    expect(error?.field).toBe('signature.inputs[0].shape');
    expect(() =>
      exportClipGraph({ kind: 'norm', maxNorm: 1, axes: [2] }, { inputs: [{ name: 'w', shape: [2, 2] }] }),
    ).toThrow(/axis 2/);
  });
});

describe('the export takes its axis rule from core', () => {
  it('accepts and refuses exactly the axes core does, with the same error code', () => {
    const outcome = (run: () => unknown) => {
      try {
        run();
        return 'ok';
      } catch (error) {
        return error instanceof ClipError ? error.code : String(error);
      }
    };
    for (const axes of [[-1, 1], [0], [1], [2], [-3], [0, 0], [-2, 0], [0, 1], []]) {
      const spec = { kind: 'norm', maxNorm: 1, axes };
      const core = outcome(() =>
        clipSync({ w: { shape: [3, 4], values: new Float32Array(12) } }, spec as ClipSpec),
      );
      const onnx = outcome(() => exportClipGraph(spec, { inputs: [{ name: 'w', shape: [3, 4] }] }));
      expect(onnx, `axes [${axes.join(', ')}]`).toBe(core);
    }
  });
});

describe('the kinds beyond value, norm and globalNorm', () => {
  const random = createRandom(77);
  const gradients = (scale: number, bad = false): HostInput[] =>
    [
      ['dense/kernel', [4, 3]],
      ['dense/bias', [4]],
      ['head', [4, 2, 2]],
    ].map(([name, shape], i) => {
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: size }, () => random.normal() * scale);
      if (bad && i === 1) values[2] = Number.NaN;
      return { name: name as string, shape: shape as number[], values };
    });

  it('match core for every policy, compat mode and option', async () => {
    const specs: unknown[] = [];
    for (const nonFinite of ['error', 'propagate', 'nanAll', 'skip', 'zero']) {
      specs.push({ kind: 'blockRms', threshold: 0.3, nonFinite });
      specs.push({ kind: 'skipOnSpike', maxNorm: 2, nonFinite });
      specs.push({ kind: 'lossScaled', lossScale: 1024, maxNorm: 1, p: 'inf', nonFinite });
      specs.push({
        kind: 'chain',
        nonFinite,
        steps: [
          { kind: 'skipOnSpike', maxNorm: 3 },
          { kind: 'lossScaled', lossScale: 8, maxNorm: 0.5 },
        ],
      });
      specs.push({
        kind: 'groups',
        nonFinite,
        groups: [
          { name: 'dense', pattern: 'dense/*', spec: { kind: 'globalNorm', maxNorm: 0.5 } },
          { name: 'spike', tensors: ['head'], spec: { kind: 'skipOnSpike', maxNorm: 1.5 } },
        ],
        rest: { kind: 'value', min: -0.1, max: 0.1 },
      });
      for (const compat of ['exact', 'pytorch']) {
        for (const reduce of ['sum', 'mean', 'none']) {
          specs.push({
            kind: 'perExample',
            maxNorm: 0.8,
            reduce,
            compat,
            nonFinite,
            p: compat === 'exact' ? 1 : 2,
          });
        }
      }
      specs.push({ kind: 'perExample', maxNorm: 0.8, p: 'inf', nonFinite });
      // A group that drops the batch axis of its tensors.
      specs.push({
        kind: 'groups',
        nonFinite,
        groups: [{ name: 'dp', pattern: 'dense/*', spec: { kind: 'perExample', maxNorm: 0.5 } }],
      });
      // Steps after a batch sum see the reduced shapes (blockRms's √size counts them).
      specs.push({
        kind: 'chain',
        nonFinite,
        steps: [
          { kind: 'perExample', maxNorm: 0.8 },
          { kind: 'blockRms', threshold: 0.05 },
        ],
      });
    }
    for (const [k, spec] of specs.entries()) {
      await expectExportMatchesOracle(spec, gradients(k % 2 === 0 ? 1 : 0.2, k % 3 === 0), k % 2 === 1);
    }
  });

  it('treat a factor that rounds to 1 in float32 as no clip, as core does', async () => {
    // ‖g‖ just above the threshold: fround(threshold / ‖g‖) is 1, core's identity (not clipped).
    const g = 1 + 2 ** -23;
    const threshold = g - 2 ** -27;
    const inputs = [{ name: 'w', shape: [1], values: new Float32Array([g]) }];
    for (const spec of [
      { kind: 'globalNorm', maxNorm: threshold },
      { kind: 'norm', maxNorm: threshold },
      { kind: 'blockRms', threshold },
      { kind: 'lossScaled', lossScale: 1, maxNorm: threshold },
    ]) {
      await expectExportMatchesOracle(spec, inputs, false);
    }
  });

  it('agc reads parameter/<name> inputs and matches core', async () => {
    const specs = [
      { kind: 'agc', clipping: 0.05 },
      { kind: 'agc', clipping: 0.02, eps: 0.5, exclude: ['head'], nonFinite: 'zero' },
      { kind: 'agc', clipping: 0.1, axes: [-1], nonFinite: 'skip' },
    ];
    for (const [k, spec] of specs.entries()) {
      const parameters = gradients(1);
      await expectExportMatchesOracle(spec, gradients(0.5, k === 2), k % 2 === 0, parameters);
    }
  });

  it('agc with non-finite parameters: core refuses them, the graph flags nonFiniteError and passes through', async () => {
    const spec = { kind: 'agc', clipping: 0.05, nonFinite: 'skip' };
    const inputs = gradients(0.5);
    const parameters = gradients(1);
    (parameters[0] as HostInput).values[1] = Number.POSITIVE_INFINITY;
    await expect(clip(hostOf(inputs), spec as ClipSpec, { parameters: hostOf(parameters) })).rejects.toThrow(
      /non-finite values, expected finite parameters/,
    );
    const session = await openSession(exportClipGraph(spec, signatureOf(inputs, false)));
    try {
      const outputs = await session.run(feedsOf(session, inputs, parameters));
      expect(Boolean(outputs[CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteError]?.data[0])).toBe(true);
      for (const input of inputs) {
        expect(
          sameFloat32Array(outputs[clippedOutputName(input.name)]?.data as Float32Array, input.values),
        ).toBe(true);
      }
      // A gradient the 'skip' policy skips is skipped before the parameters are read, as in core.
      const bad = gradients(0.5, true);
      const skipped = await session.run(feedsOf(session, bad, parameters));
      const oracle = await clip(hostOf(bad), spec as ClipSpec, { parameters: hostOf(parameters) });
      expectOutputsMatch('skip before parameters', bad, skipped, oracle);
    } finally {
      await session.release();
    }
  });

  it('runs every sequence case step by step, each step fed the previous nextState', async () => {
    expect([...new Set(sequenceCases.map((testCase) => (testCase.spec as { kind: string }).kind))]).toEqual(
      expect.arrayContaining(['autoClip', 'zClip', 'adaGC', 'agc']),
    );
    let steps = 0;
    for (const testCase of sequenceCases) {
      const first = testCase.steps[0];
      if (first === undefined) continue;
      const inputs = (step: (typeof testCase.steps)[number]) =>
        step.input.map((input) => ({ name: input.name, shape: input.shape, values: caseInputValues(input) }));
      const signature = signatureOf(inputs(first), testCase.id.length % 2 === 0);
      const session = await openSession(exportClipGraph(testCase.spec, signature));
      const clipper = createClipper(testCase.spec as ClipSpec);
      let state = clipGraphStateFeeds(testCase.spec, signature);
      try {
        for (const [n, step] of testCase.steps.entries()) {
          const gradients = inputs(step);
          const parameters = step.parameters?.map((input) => ({
            name: input.name,
            shape: input.shape,
            values: caseInputValues(input),
          }));
          const stateFeeds = Object.fromEntries(
            Object.entries(state).map(([name, feed]) => [
              name,
              new ort.Tensor(feed.type, feed.data, feed.dims),
            ]),
          );
          const outputs = await session.run({ ...feedsOf(session, gradients, parameters), ...stateFeeds });
          const oracle = await clipper.clip(
            hostOf(gradients),
            parameters === undefined ? {} : { parameters: hostOf(parameters) },
          );
          expectOutputsMatch(`${testCase.id} step ${n}`, gradients, outputs, oracle);
          const next = clipGraphNextState(testCase.spec, signature, outputs);
          expect(next, `${testCase.id} step ${n}`).toEqual(clipper.state);
          state = clipGraphStateFeeds(testCase.spec, signature, next);
          steps++;
        }
        if (testCase.finalState !== undefined) expect(clipper.state).toEqual(testCase.finalState);
      } finally {
        await session.release();
      }
    }
    expect(steps).toBe(sequenceCases.reduce((total, testCase) => total + testCase.steps.length, 0));
  });

  it('stateful kinds in chains and groups, with policies, alternate with core through the state JSON', async () => {
    const specs = [
      { kind: 'autoClip', percentile: 40, nonFinite: 'skip' },
      { kind: 'autoClip', percentile: 0, window: 3, nonFinite: 'zero' },
      { kind: 'zClip', warmup: 3, alpha: 0.8, z: 1, maxNorm: 2, nonFinite: 'propagate' },
      { kind: 'zClip', warmup: 2, z: 0.5, mode: 'percentile', maxNorm: 'Infinity', nonFinite: 'nanAll' },
      { kind: 'zClip', warmup: 2, z: 0.5, skipStatisticsOnSpike: true, nonFinite: 'error' },
      { kind: 'adaGC', warmup: 2, absolute: 1, relative: 1.1, beta: 0.5, nonFinite: 'error' },
      {
        kind: 'chain',
        steps: [
          { kind: 'skipOnSpike', maxNorm: 6 },
          { kind: 'autoClip', percentile: 50 },
          { kind: 'adaGC', warmup: 1 },
        ],
        nonFinite: 'skip',
      },
      {
        kind: 'groups',
        groups: [{ name: 'dense', pattern: 'dense/*', spec: { kind: 'zClip', warmup: 2, z: 0.5 } }],
        rest: { kind: 'adaGC', warmup: 1, absolute: 0.5 },
        nonFinite: 'zero',
      },
    ];
    for (const [k, spec] of specs.entries()) {
      const signature = signatureOf(gradients(1), k % 2 === 0);
      const session = await openSession(exportClipGraph(spec, signature));
      let clipper = createClipper(spec as ClipSpec);
      try {
        for (let n = 0; n < 7; n++) {
          const inputs = gradients(n === 4 ? 6 : 0.3 + 0.2 * n, n === 2);
          const state = clipGraphStateFeeds(spec, signature, clipper.state);
          const feeds = Object.fromEntries(
            Object.entries(state).map(([name, feed]) => [
              name,
              new ort.Tensor(feed.type, feed.data, feed.dims),
            ]),
          );
          const outputs = await session.run({ ...feedsOf(session, inputs, undefined), ...feeds });
          const label = `${JSON.stringify(spec)} step ${n}`;
          const before = clipper.state;
          try {
            const oracle = await clipper.clip(hostOf(inputs));
            expectOutputsMatch(label, inputs, outputs, oracle);
          } catch (error) {
            expect((error as ClipError).code, label).toBe('NON_FINITE_GRADIENT');
            expect(Boolean(outputs[CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteError]?.data[0]), label).toBe(true);
          }
          const next = clipGraphNextState(spec, signature, outputs);
          expect(next, label).toEqual(clipper.state);
          // A call a policy ended (or that threw) leaves the state as it was.
          if (n === 2 && ['skip', 'nanAll', 'error'].includes(spec.nonFinite))
            expect(next, label).toEqual(before);
          // Resume core from the graph's state, as a training loop switching back would.
          clipper = clipperFromJSON({ format: 'gradclip-clipper', version: 1, spec, state: next });
        }
      } finally {
        await session.release();
      }
    }
  });
});

describe('what a graph cannot express', () => {
  it('is refused with a ClipError naming the field and why', () => {
    const outcome = (spec: unknown, inputs = [{ name: 'w', shape: [2, 3] as (number | string)[] }]) => {
      try {
        exportClipGraph(spec, { inputs });
        return undefined;
      } catch (error) {
        return error as ClipError;
      }
    };
    const warmup = outcome({ kind: 'zClip', warmup: MAX_EXPORTED_Z_CLIP_WARMUP + 1 });
    expect(warmup).toBeInstanceOf(ClipError);
    expect(warmup?.field).toBe('spec.warmup');
    expect(warmup?.message).toMatch(/unrolls/);
    const exclude = outcome({ kind: 'agc', exclude: ['nope'] });
    expect(exclude?.field).toBe('spec.exclude[0]');
    const batch = outcome({ kind: 'perExample', maxNorm: 1 }, [
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [3] },
    ]);
    expect(batch?.code).toBe('SHAPE_MISMATCH');
    const rank = outcome({ kind: 'agc' }, [{ name: 'w', shape: [1, 1, 1, 1, 1, 1] }]);
    expect(rank?.code).toBe('SHAPE_MISMATCH');
    const group = outcome({
      kind: 'groups',
      groups: [{ name: 'g', tensors: ['x'], spec: { kind: 'value', min: 0, max: 1 } }],
    });
    expect(group?.field).toBe('spec.groups[0].tensors[0]');
  });

  it('refuses a state for other gradients (adaGC keeps one γ per tensor)', () => {
    const spec = { kind: 'adaGC' };
    const state = { kind: 'adaGC' as const, step: 1, tensors: ['other'], gammas: [1] };
    expect(() => clipGraphStateFeeds(spec, { inputs: [{ name: 'w', shape: [2] }] }, state)).toThrow(
      /state\.tensors/,
    );
  });
});
