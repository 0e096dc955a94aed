/**
 * The demos: the seeds' regression experiment with no clipping, clipvalue, clipnorm and
 * global_clipnorm through every clipping backend, and a small recurrent (adding problem) run.
 * The models always train on TF.js's `cpu` backend (deterministic); only the clipper changes, so
 * the loss curves of different backends must be identical.
 */
import {
  type ClipBackend,
  type ClipSpec,
  createClipper,
  fromKerasOptions,
  type HostTensor,
} from '@gradclip/core';
import {
  clipOnHost,
  clipTfjsTensors,
  clipThroughBackend,
  type ExperimentResult,
  type GradientClipping,
  runAddingExperiment,
  runRegressionExperiment,
} from '@gradclip/models';
import type { Tensor } from '@tensorflow/tfjs';
import type { PlaygroundBackend } from './backends.js';
import type { DemoRun } from './demo-run.js';
import { UNCLIPPED } from './html-report.js';

export interface DemoOptions {
  readonly backends: readonly PlaygroundBackend[];
  /** Default 100 (the seed's). */
  readonly regressionEpochs?: number;
  /** Default 3. */
  readonly addingEpochs?: number;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface DemoOutcome {
  readonly runs: DemoRun[];
  /** Backends that could not clip in the demo, with the reason. */
  readonly unavailable: { readonly id: string; readonly reason: string }[];
}

const REGRESSION_CLIPPINGS: readonly { label: string; spec: ClipSpec | null }[] = [
  { label: 'none', spec: null },
  { label: 'clipvalue 5', spec: fromKerasOptions({ clipvalue: 5 }) },
  { label: 'clipnorm 1', spec: fromKerasOptions({ clipnorm: 1 }) },
  { label: 'global_clipnorm 1', spec: fromKerasOptions({ global_clipnorm: 1 }) },
];

/** The bridge each backend's tensors need: host arrays, tf.Tensors, or the backend's own via fromHost. */
function clippingFor(backend: ClipBackend<unknown>, spec: ClipSpec): GradientClipping<unknown> {
  if (backend.id === 'reference') {
    return clipOnHost(
      createClipper(spec, { backend: backend as ClipBackend<HostTensor> }),
    ) as GradientClipping<unknown>;
  }
  if (backend.id.startsWith('tfjs:')) {
    return clipTfjsTensors(
      createClipper(spec, { backend: backend as unknown as ClipBackend<Tensor> }),
    ) as GradientClipping<unknown>;
  }
  return clipThroughBackend(createClipper(spec, { backend }));
}

function toDemoRun(result: ExperimentResult, clipping: string, backend: string): DemoRun {
  return {
    experiment: result.experiment,
    clipping,
    backend,
    epochLoss: result.history.epochs.map((epoch) => epoch.loss),
    stepLoss: result.history.steps.map((step) => step.loss),
    gradientNormBefore: result.history.steps.map((step) => step.normBefore),
    gradientNormAfter: result.history.steps.map((step) => step.normAfter),
  };
}

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const tf = await import('@tensorflow/tfjs');
  const regressionEpochs = options.regressionEpochs ?? 100;
  const addingEpochs = options.addingEpochs ?? 3;
  const runs: DemoRun[] = [];
  const unavailable: DemoOutcome['unavailable'] = [];
  // The in-process clippers marked for the demo (TF.js's wasm backend would also move the model's
  // training off `cpu`, which is not a clipper-only change).
  const clippers = options.backends.filter((backend) => backend.inDemo === true);
  const total = 2 + clippers.length * (REGRESSION_CLIPPINGS.length - 1 + 1);
  let done = 0;
  const step = (label: string) => options.onProgress?.(++done, total, label);

  await tf.setBackend('cpu');
  runs.push(toDemoRun(await runRegressionExperiment({ epochs: regressionEpochs }), 'none', UNCLIPPED));
  step('regression, no clipping');
  runs.push(toDemoRun(await runAddingExperiment({ epochs: addingEpochs }), 'none', UNCLIPPED));
  step('adding problem, no clipping');

  for (const candidate of clippers) {
    let backend: ClipBackend<unknown>;
    try {
      backend = await candidate.create();
      // Creating a TF.js-based clipper may select TF.js's backend: train on cpu whatever it chose.
      await tf.setBackend('cpu');
    } catch (error) {
      unavailable.push({ id: candidate.id, reason: error instanceof Error ? error.message : String(error) });
      done += REGRESSION_CLIPPINGS.length;
      continue;
    }
    try {
      for (const { label, spec } of REGRESSION_CLIPPINGS) {
        if (spec === null) continue;
        const result = await runRegressionExperiment({
          epochs: regressionEpochs,
          clipping: clippingFor(backend, spec),
        });
        runs.push(toDemoRun(result, label, backend.id));
        step(`regression, ${label}, ${backend.id}`);
      }
      const adding = await runAddingExperiment({
        epochs: addingEpochs,
        clipping: clippingFor(backend, { kind: 'globalNorm', maxNorm: 1 }),
      });
      runs.push(toDemoRun(adding, 'globalNorm 1', backend.id));
      step(`adding problem, globalNorm 1, ${backend.id}`);
    } finally {
      await backend.dispose();
    }
  }
  return { runs, unavailable };
}
