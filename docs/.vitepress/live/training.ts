/**
 * The training page: the seeds' regression (20 → 25 → 1 MLP, SGD momentum 0.9, MSE) trained in the
 * page on TF.js cpu with no clipping, clipvalue 5 and clipnorm 1, per-step losses recorded.
 */
import { createClipper } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import { runRegressionExperiment } from '../../../packages/models/src/experiments/regression-experiment.js';
import { clipOnHost } from '../../../packages/models/src/training/tensor-bridge.js';

export interface TrainingRun {
  readonly label: string;
  readonly losses: number[];
  /** First step whose loss was not finite, or null. */
  readonly nonFiniteStep: number | null;
  readonly finalTestLoss: number;
}

export const SETTINGS = [
  { label: 'no clipping', spec: null },
  { label: 'clipvalue 5', spec: { kind: 'value', min: -5, max: 5 } },
  { label: 'clipnorm 1', spec: { kind: 'norm', maxNorm: 1 } },
] as const;

export async function trainAll(epochs: number, onRun: (run: TrainingRun) => void): Promise<TrainingRun[]> {
  await tf.setBackend('cpu');
  const runs: TrainingRun[] = [];
  for (const setting of SETTINGS) {
    const result = await runRegressionExperiment({
      epochs,
      ...(setting.spec === null ? {} : { clipping: clipOnHost(createClipper(setting.spec)) }),
    });
    const losses = result.history.steps.map((step) => step.loss);
    const bad = losses.findIndex((loss) => !Number.isFinite(loss));
    const run = {
      label: setting.label,
      losses,
      nonFiniteStep: bad < 0 ? null : bad,
      finalTestLoss: result.final.test.loss,
    };
    runs.push(run);
    onRun(run);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return runs;
}
