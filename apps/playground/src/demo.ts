/**
 * The demos: the seeds' regression experiment with no clipping, clipvalue, clipnorm and
 * global_clipnorm, a small exploding recurrent network (the adding problem, where plain SGD
 * diverges) with global-norm clipping, and a short run of the seed's Fashion-MNIST MLP with no
 * clipping and the seed's clipvalue 1 — plus, on all three, the adaptive kinds autoClip, zClip and
 * adaGC, whose thresholds come from the norms they have seen and are recorded step by step. Every
 * setting runs through every clipping backend; zClip on the recurrent network also runs inside
 * the optimizer (`withClipping` from @gradclip/backend-tfjs), as under `model.fit`.
 * The models always train on TF.js's `cpu` backend (deterministic); only the clipper changes, so
 * the loss curves of different backends must be identical.
 */
import {
  type ClipBackend,
  type ClipReport,
  type ClipSpec,
  createClipper,
  fromKerasOptions,
  type HostTensor,
} from '@gradclip/core';
import {
  type AddingExperimentOptions,
  clipOnHost,
  clipTfjsTensors,
  clipThroughBackend,
  type ExperimentResult,
  type FashionMnist,
  type GradientClipping,
  loadFashionMnist,
  runAddingExperiment,
  runFashionMnistExperiment,
  runRegressionExperiment,
  type StepRecord,
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
  /**
   * Epochs of the adaptive clippings on the regression; default 10 (160 steps: enough for their
   * thresholds to settle), never more than `regressionEpochs`.
   */
  readonly adaptiveRegressionEpochs?: number;
  /** The size of the Fashion-MNIST runs; the defaults suit `pnpm start`, tests pass smaller ones. */
  readonly fashionMnist?: FashionMnistDemoOptions;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface FashionMnistDemoOptions {
  /** Training images, a class-balanced prefix of the 55,000; default 2,000 (63 steps of 32). */
  readonly trainLimit?: number;
  /** Validation and test images each; default 500. */
  readonly evaluationLimit?: number;
  /** Default 1. */
  readonly epochs?: number;
  /** Default 32 (the seed's). */
  readonly batchSize?: number;
  /** Directory of the `fashion-mnist` npm package; default: the one @gradclip/models resolves. */
  readonly packageDirectory?: string;
}

export interface DemoOutcome {
  readonly runs: DemoRun[];
  /** Backends that could not clip in the demo, with the reason. */
  readonly unavailable: { readonly id: string; readonly reason: string }[];
  /** Experiments that could not run at all (Fashion-MNIST without its data), with the reason. */
  readonly unavailableExperiments: { readonly experiment: string; readonly reason: string }[];
}

const REGRESSION_CLIPPINGS: readonly { label: string; spec: ClipSpec | null }[] = [
  { label: 'none', spec: null },
  { label: 'clipvalue 5', spec: fromKerasOptions({ clipvalue: 5 }) },
  { label: 'clipnorm 1', spec: fromKerasOptions({ clipnorm: 1 }) },
  { label: 'global_clipnorm 1', spec: fromKerasOptions({ global_clipnorm: 1 }) },
];

/** The seed notebook's Fashion-MNIST setting, beside no clipping and the adaptive kinds. */
const FASHION_MNIST_CLIPPINGS: readonly { label: string; spec: ClipSpec | null }[] = [
  { label: 'none', spec: null },
  { label: 'clipvalue 1', spec: fromKerasOptions({ clipvalue: 1 }) },
];

/**
 * The adaptive kinds, with settings the short demos can show: the paper's AutoClip percentile;
 * ZClip and AdaGC with a 5-step warm-up (their defaults, 25 and 100, would outlast the demo — the
 * Fashion-MNIST run is 63 steps by default and 10 in the tests, so 5 leaves most of it adaptive),
 * ZClip capped at 10 — without a cap its warm-up lets the recurrent network's second step, ~10^11,
 * through, as plain SGD does. On both problems ZClip's statistics include the warm-up's huge norms,
 * so no z-score clip value falls below the cap: the cap is what holds the spikes (the trace shows it).
 * Fashion-MNIST's norms stay between 2 and 7 without spikes, so there ZClip never clips — what it
 * should do on a healthy run — while AdaGC's warm-up threshold (its default λ_abs, 1) clips every step.
 */
export const ADAPTIVE_CLIPPINGS: readonly { label: string; spec: ClipSpec }[] = [
  { label: 'autoClip p10', spec: { kind: 'autoClip', percentile: 10 } },
  { label: 'zClip warmup 5, cap 10', spec: { kind: 'zClip', warmup: 5, maxNorm: 10 } },
  { label: 'adaGC warmup 5', spec: { kind: 'adaGC', warmup: 5 } },
];

/** The setting that also runs inside the optimizer, through `withClipping`. */
const OPTIMIZER_CLIPPING = ADAPTIVE_CLIPPINGS[1] as { label: string; spec: ClipSpec };

/** The backend label of the run that clips inside the optimizer. */
export const WITH_CLIPPING = 'tfjs:cpu, withClipping(sgd)';

/**
 * The recurrent network's data: 320 training sequences of length 100 (10 steps an epoch) and 100
 * test sequences. Each step costs ~150 ms on TF.js's cpu backend; the explosion happens at step 2.
 */
const ADDING_SIZE = { trainSamples: 320, testSamples: 100 } as const;

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

/** A step's threshold: the reported one, or the global norm adaGC's per-tensor thresholds allow. */
export function thresholdOf(step: Pick<StepRecord, 'threshold' | 'perTensorThresholds'>): number | null {
  if (step.threshold !== undefined) return step.threshold;
  if (step.perTensorThresholds === undefined) return null;
  return Math.sqrt(step.perTensorThresholds.reduce((sum, threshold) => sum + threshold * threshold, 0));
}

function toDemoRun(result: ExperimentResult, clipping: string, backend: string, adaptive = false): DemoRun {
  const steps = result.history.steps;
  return {
    experiment: result.experiment,
    clipping,
    backend,
    epochLoss: result.history.epochs.map((epoch) => epoch.loss),
    stepLoss: steps.map((step) => step.loss),
    gradientNormBefore: steps.map((step) => step.normBefore),
    gradientNormAfter: steps.map((step) => step.normAfter),
    ...(adaptive ? { threshold: steps.map(thresholdOf) } : {}),
  };
}

/**
 * The recurrent network with `withClipping(tf.train.sgd(0.01), spec, { tf })`: the clipping
 * optimizer clips inside `applyGradients`, so the loop runs unclipped and the norms and thresholds
 * come from the optimizer's reports.
 */
async function runInOptimizer(
  tf: typeof import('@tensorflow/tfjs'),
  epochs: number,
  spec: ClipSpec,
): Promise<ExperimentResult> {
  const { withClipping } = await import('@gradclip/backend-tfjs');
  const reports: ClipReport[] = [];
  const wrapOptimizer: AddingExperimentOptions<unknown>['wrapOptimizer'] = (sgd) =>
    withClipping(sgd, spec, { tf, onReport: (report) => reports.push(report) });
  const result = await runAddingExperiment({ ...ADDING_SIZE, epochs, wrapOptimizer });
  // One report per applyGradients, one applyGradients per recorded step.
  const steps = result.history.steps.map((step, i) => {
    const report = reports[i] as ClipReport;
    const { normBefore, normAfter, clipped, skipped, threshold, perTensorThresholds } = report;
    return {
      ...step,
      normBefore,
      normAfter,
      clipped,
      skipped,
      ...(threshold === undefined ? {} : { threshold }),
      ...(perTensorThresholds === undefined ? {} : { perTensorThresholds }),
    };
  });
  return { ...result, history: { ...result.history, steps } };
}

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const tf = await import('@tensorflow/tfjs');
  const regressionEpochs = options.regressionEpochs ?? 100;
  const addingEpochs = options.addingEpochs ?? 3;
  const adaptiveRegressionEpochs = Math.min(regressionEpochs, options.adaptiveRegressionEpochs ?? 10);
  const runs: DemoRun[] = [];
  const unavailable: DemoOutcome['unavailable'] = [];
  // The in-process clippers marked for the demo (TF.js's wasm backend would also move the model's
  // training off `cpu`, which is not a clipper-only change).
  const clippers = options.backends.filter((backend) => backend.inDemo === true);
  // Loaded once (~150 MB of JSON, about 2 s) and shared by every run; without the data the other
  // demos still run and the outcome says why this one did not.
  const unavailableExperiments: DemoOutcome['unavailableExperiments'] = [];
  let fashionMnist: FashionMnistRunner | null = null;
  try {
    fashionMnist = await fashionMnistRunner(options.fashionMnist ?? {});
  } catch (error) {
    unavailableExperiments.push({
      experiment: 'fashion-mnist',
      reason: error instanceof Error ? error.message : String(error),
    });
  }
  const fashionMnistPerBackend =
    fashionMnist === null ? 0 : FASHION_MNIST_CLIPPINGS.length - 1 + ADAPTIVE_CLIPPINGS.length;
  const perBackend =
    REGRESSION_CLIPPINGS.length - 1 + 1 + 2 * ADAPTIVE_CLIPPINGS.length + fashionMnistPerBackend;
  const total = 2 + (fashionMnist === null ? 0 : 1) + clippers.length * perBackend + 1;
  let done = 0;
  const step = (label: string) => options.onProgress?.(++done, total, label);

  await tf.setBackend('cpu');
  runs.push(toDemoRun(await runRegressionExperiment({ epochs: regressionEpochs }), 'none', UNCLIPPED));
  step('regression, no clipping');
  runs.push(
    toDemoRun(await runAddingExperiment({ ...ADDING_SIZE, epochs: addingEpochs }), 'none', UNCLIPPED),
  );
  step('adding problem, no clipping');
  if (fashionMnist !== null) {
    runs.push(toDemoRun(await fashionMnist(), 'none', UNCLIPPED));
    step('fashion-mnist, no clipping');
  }

  for (const candidate of clippers) {
    let backend: ClipBackend<unknown>;
    try {
      backend = await candidate.create();
      // Creating a TF.js-based clipper may select TF.js's backend: train on cpu whatever it chose.
      await tf.setBackend('cpu');
    } catch (error) {
      unavailable.push({ id: candidate.id, reason: error instanceof Error ? error.message : String(error) });
      done += perBackend;
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
      for (const { label, spec } of ADAPTIVE_CLIPPINGS) {
        const result = await runRegressionExperiment({
          epochs: adaptiveRegressionEpochs,
          clipping: clippingFor(backend, spec),
        });
        runs.push(toDemoRun(result, label, backend.id, true));
        step(`regression, ${label}, ${backend.id}`);
      }
      const adding = await runAddingExperiment({
        ...ADDING_SIZE,
        epochs: addingEpochs,
        clipping: clippingFor(backend, { kind: 'globalNorm', maxNorm: 1 }),
      });
      runs.push(toDemoRun(adding, 'globalNorm 1', backend.id));
      step(`adding problem, globalNorm 1, ${backend.id}`);
      for (const { label, spec } of ADAPTIVE_CLIPPINGS) {
        const result = await runAddingExperiment({
          ...ADDING_SIZE,
          epochs: addingEpochs,
          clipping: clippingFor(backend, spec),
        });
        runs.push(toDemoRun(result, label, backend.id, true));
        step(`adding problem, ${label}, ${backend.id}`);
      }
      if (fashionMnist !== null) {
        const settings = [
          ...FASHION_MNIST_CLIPPINGS.flatMap(({ label, spec }) =>
            spec === null ? [] : [{ label, spec, adaptive: false }],
          ),
          ...ADAPTIVE_CLIPPINGS.map(({ label, spec }) => ({ label, spec, adaptive: true })),
        ];
        for (const { label, spec, adaptive } of settings) {
          const result = await fashionMnist(clippingFor(backend, spec));
          runs.push(toDemoRun(result, label, backend.id, adaptive));
          step(`fashion-mnist, ${label}, ${backend.id}`);
        }
      }
    } finally {
      await backend.dispose();
    }
  }
  await tf.setBackend('cpu');
  const inOptimizer = await runInOptimizer(tf, addingEpochs, OPTIMIZER_CLIPPING.spec);
  runs.push(toDemoRun(inOptimizer, OPTIMIZER_CLIPPING.label, WITH_CLIPPING, true));
  step(`adding problem, ${OPTIMIZER_CLIPPING.label}, ${WITH_CLIPPING}`);
  return { runs, unavailable, unavailableExperiments };
}

/** One Fashion-MNIST run on the shared data, with or without a clipping. */
type FashionMnistRunner = (clipping?: GradientClipping<unknown>) => Promise<ExperimentResult>;

async function fashionMnistRunner(options: FashionMnistDemoOptions): Promise<FashionMnistRunner> {
  const data: FashionMnist = await loadFashionMnist(
    options.packageDirectory === undefined ? {} : { packageDirectory: options.packageDirectory },
  );
  const settings = {
    data,
    epochs: options.epochs ?? 1,
    batchSize: options.batchSize ?? 32,
    trainLimit: options.trainLimit ?? 2000,
    evaluationLimit: options.evaluationLimit ?? 500,
  };
  return (clipping) =>
    runFashionMnistExperiment(clipping === undefined ? settings : { ...settings, clipping });
}
