import { type ClipBackend, type ClipSpec, createClipper } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  backendTensorBridge,
  clipOnHost,
  clipTfjsTensors,
  clipThroughBackend,
  type GradientClipping,
  type TensorBridge,
  tfjsTensorBridge,
} from '../training/tensor-bridge.js';
import { tensorReferenceClipper } from '../training/tensor-reference-backend.test-support.js';
import type { ExperimentResult } from './experiment-result.js';
import { runRegressionExperiment } from './regression-experiment.js';

type Candidate = {
  readonly id: string;
  readonly load: (spec: ClipSpec) => Promise<GradientClipping<unknown>>;
};

/** A backend package's factory, with the bridge its tensors need; rejects when not installed. */
function fromPackage(
  packageName: string,
  factory: string,
  options: object,
  tfjsTensors: boolean,
): Candidate['load'] {
  return async (spec) => {
    const specifier: string = packageName;
    const module = (await import(specifier)) as Record<
      string,
      (options: object) => Promise<ClipBackend<unknown>>
    >;
    const backend = await (module[factory] as (options: object) => Promise<ClipBackend<unknown>>)(options);
    const bridge: TensorBridge<unknown> = tfjsTensors
      ? (tfjsTensorBridge() as TensorBridge<unknown>)
      : backendTensorBridge(backend);
    return { clipper: createClipper(spec, { backend }), bridge };
  };
}

// One line per clipper. The first is the baseline every other run must equal, bit for bit.
const CANDIDATES: readonly Candidate[] = [
  {
    id: 'reference, host tensors',
    load: async (spec) => clipOnHost(createClipper(spec)) as GradientClipping<unknown>,
  },
  { id: 'reference, through fromHost/toHost', load: async (spec) => clipThroughBackend(createClipper(spec)) },
  {
    id: 'reference kernels over tf.Tensor',
    load: async (spec) => clipTfjsTensors(tensorReferenceClipper(spec)) as GradientClipping<unknown>,
  },
  { id: 'tfjs', load: fromPackage('@gradclip/backend-tfjs', 'createTfjsBackend', { tf }, true) },
  { id: 'onnx', load: fromPackage('@gradclip/backend-onnx', 'createOnnxBackend', {}, false) },
  {
    id: 'gpujs:webasm',
    load: fromPackage('@gradclip/backend-gpujs', 'createGpujsBackend', { mode: 'webasm' }, false),
  },
];

const SPECS: readonly ClipSpec[] = [
  { kind: 'norm', maxNorm: 1 },
  { kind: 'value', min: -5, max: 5 },
];

// Every candidate must start: a backend that cannot is a failure, never a silent skip.
const available: Candidate[] = [];
const unavailable: { id: string; reason: string }[] = [];
for (const candidate of CANDIDATES) {
  try {
    const probe = await candidate.load({ kind: 'value', min: -1, max: 1 });
    await probe.clipper.backend.dispose();
    available.push(candidate);
  } catch (error) {
    unavailable.push({ id: candidate.id, reason: (error as Error).message.split('\n')[0] ?? '' });
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the regression experiment through every clipper gives bit-identical histories', () => {
  it('starts every clipper', () => {
    expect(unavailable).toEqual([]);
  });

  for (const spec of SPECS) {
    it(`${JSON.stringify(spec)}: ${available.map((c) => c.id).join(' = ')}`, async () => {
      const results: ExperimentResult[] = [];
      for (const candidate of available) {
        const clipping = await candidate.load(spec);
        try {
          results.push(await runRegressionExperiment({ epochs: 100, clipping }));
        } finally {
          await clipping.clipper.backend.dispose();
        }
      }
      const [baseline, ...others] = results as [ExperimentResult, ...ExperimentResult[]];
      expect(baseline.history.steps).toHaveLength(1600);
      others.forEach((result, i) => {
        const label = available[i + 1]?.id;
        // The trained model is the same bits: every loss, flag and evaluation is identical.
        const losses = (history: ExperimentResult['history']) => history.steps.map((step) => step.loss);
        const flags = (history: ExperimentResult['history']) =>
          history.steps.map((step) => [step.clipped, step.skipped]);
        expect(losses(result.history), label).toEqual(losses(baseline.history));
        expect(flags(result.history), label).toEqual(flags(baseline.history));
        expect(
          result.history.epochs.map((epoch) => [epoch.loss, epoch.validationLoss, epoch.clippedSteps]),
          label,
        ).toEqual(
          baseline.history.epochs.map((epoch) => [epoch.loss, epoch.validationLoss, epoch.clippedSteps]),
        );
        expect(result.final, label).toEqual(baseline.final);
        // The reported norms are float64 sums, which a backend may accumulate in another order (the
        // contract fixes the clipped float32 bits, not the last bits of the report's float64).
        result.history.steps.forEach((step, k) => {
          const reference = baseline.history.steps[k] as (typeof baseline.history.steps)[number];
          expect(Math.abs(step.normBefore - reference.normBefore), label).toBeLessThanOrEqual(
            1e-12 * reference.normBefore,
          );
          expect(Math.abs(step.normAfter - reference.normAfter), label).toBeLessThanOrEqual(
            1e-12 * reference.normAfter,
          );
        });
      });
    });
  }
});
