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
  {
    id: 'gpujs:cpu',
    load: fromPackage('@gradclip/backend-gpujs', 'createGpujsBackend', { mode: 'cpu' }, false),
  },
];

const SPECS: readonly ClipSpec[] = [
  { kind: 'norm', maxNorm: 1 },
  { kind: 'value', min: -5, max: 5 },
];

// Which candidates can start here: a backend package that is not installed (yet) is skipped by name.
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
  for (const { id, reason } of unavailable) it.skip(`${id} (unavailable: ${reason})`, () => {});

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
        // Losses first for a readable failure, then everything: norms, clipped flags, evaluations.
        expect(
          result.history.steps.map((step) => step.loss),
          label,
        ).toEqual(baseline.history.steps.map((step) => step.loss));
        expect(result.history, label).toEqual(baseline.history);
        expect(result.final, label).toEqual(baseline.final);
      });
    });
  }
});
