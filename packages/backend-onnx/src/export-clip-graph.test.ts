import { ClipError, type ClipSpec, clip, clipSync, parseSpec } from '@gradclip/core';
import { createRandom, sameFloat32Array } from '@gradclip/core/backend';
import { caseInputValues, conformanceCases } from '@gradclip/core/conformance';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CLIP_GRAPH_REPORT_OUTPUTS, clippedOutputName, exportClipGraph } from './index.js';

interface HostInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** Loads the exported graph in a fresh session, runs it, and compares it with the oracle's `clip`. */
async function expectExportMatchesOracle(
  spec: unknown,
  inputs: readonly HostInput[],
  symbolic: boolean,
): Promise<void> {
  const signature = {
    inputs: inputs.map((input) => ({
      name: input.name,
      // Symbolic dimensions: the same graph must serve these sizes.
      shape: symbolic ? input.shape.map((_, axis) => `${input.name}_${axis}`) : input.shape,
    })),
  };
  const bytes = exportClipGraph(spec, signature);
  // Graph optimizations off: ORT's optimizer ('basic' included) changed a float32 result by 1 ULP.
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'disabled',
    logSeverityLevel: 3,
  });
  try {
    const feeds = Object.fromEntries(
      inputs.map((input) => [input.name, new ort.Tensor('float32', input.values.slice(), [...input.shape])]),
    );
    const outputs = await session.run(feeds);
    const output = (name: string) => {
      const tensor = outputs[name];
      if (tensor === undefined) throw new Error(`the graph has no output ${name}`);
      return tensor.data as Uint8Array | Float64Array | BigInt64Array;
    };
    const flag = (name: string) => Boolean(output(name)[0]);
    const number = (name: string) => Number(output(name)[0]);
    const host = Object.fromEntries(
      inputs.map((input) => [input.name, { shape: [...input.shape], values: input.values.slice() }]),
    );
    let oracle: Awaited<ReturnType<typeof clip<(typeof host)[string], typeof host>>> | undefined;
    try {
      oracle = await clip(host, spec as ClipSpec);
    } catch (error) {
      expect(error).toBeInstanceOf(ClipError);
      expect((error as ClipError).code).toBe('NON_FINITE_GRADIENT');
      expect(flag(CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteError)).toBe(true);
      for (const input of inputs) {
        const output = outputs[clippedOutputName(input.name)]?.data as Float32Array;
        expect(sameFloat32Array(output, input.values)).toBe(true);
      }
      return;
    }
    expect(flag(CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteError)).toBe(false);
    for (const input of inputs) {
      const output = outputs[clippedOutputName(input.name)];
      expect(output?.dims).toEqual(input.shape);
      const expected = oracle.gradients[input.name]?.values as Float32Array;
      const same = sameFloat32Array(output?.data as Float32Array, expected);
      if (!same) {
        const actual = output?.data as Float32Array;
        const at = actual.findIndex(
          (value, i) => !Object.is(value, expected[i]) && !(Number.isNaN(value) && Number.isNaN(expected[i])),
        );
        expect.fail(
          `${JSON.stringify(spec)} ${input.name}[${at}]: graph ${actual[at]}, oracle ${expected[at]}`,
        );
      }
    }
    const { report } = oracle;
    expect(flag(CLIP_GRAPH_REPORT_OUTPUTS.clipped)).toBe(report.clipped);
    expect(flag(CLIP_GRAPH_REPORT_OUTPUTS.skipped)).toBe(report.skipped);
    expect(number(CLIP_GRAPH_REPORT_OUTPUTS.nonFiniteCount)).toBe(report.nonFiniteCount);
    const normBefore = number(CLIP_GRAPH_REPORT_OUTPUTS.normBefore);
    if (Number.isFinite(report.normBefore)) {
      expect(Math.abs(normBefore - report.normBefore)).toBeLessThanOrEqual(1e-9 * report.normBefore);
    } else expect(normBefore).toBe(report.normBefore);
    const scale = number(CLIP_GRAPH_REPORT_OUTPUTS.scale);
    if (report.scale === null) expect(scale, JSON.stringify(spec)).toBeNaN();
    else if (Number.isFinite(report.scale)) {
      expect(Math.abs(scale - report.scale)).toBeLessThanOrEqual(1e-9 * Math.abs(report.scale));
    } else expect(scale, JSON.stringify(spec)).toBe(report.scale);
  } finally {
    await session.release();
  }
}

/** Kinds a graph expresses; the adaptive and stateless-extra kinds are refused (a clear error, tested below). */
const GRAPH_KINDS = new Set(['value', 'norm', 'globalNorm', 'chain']);

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
      new Set(['value', 'norm', 'globalNorm', 'chain']),
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

describe('kinds a graph does not express', () => {
  it('are refused with a ClipError naming the kind', () => {
    for (const spec of [
      { kind: 'blockRms', threshold: 1 },
      { kind: 'skipOnSpike', maxNorm: 1 },
      { kind: 'perExample', maxNorm: 1 },
      { kind: 'zClip' },
    ]) {
      expect(() => exportClipGraph(spec, { inputs: [{ name: 'w', shape: [2, 3] }] })).toThrow(
        new RegExp(`${spec.kind}`),
      );
    }
  });
});
