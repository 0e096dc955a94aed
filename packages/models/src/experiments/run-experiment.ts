import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../datasets/dataset.js';
import { evaluate } from '../training/evaluate.js';
import type { LossKind } from '../training/losses.js';
import type { ProgressEvent } from '../training/progress.js';
import type { GradientClipping } from '../training/tensor-bridge.js';
import { train } from '../training/train.js';
import type { ExperimentResult } from './experiment-result.js';

/** Everything one experiment run needs; the model and optimizer are disposed when it ends. */
export interface ExperimentRun<T> {
  readonly experiment: ExperimentResult['experiment'];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly loss: LossKind;
  readonly train: Dataset;
  /** Evaluated after every epoch (Keras's `validation_data`). */
  readonly validation: Dataset;
  /** Evaluated once at the end, with `train`. */
  readonly test: Dataset;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly clipping?: GradientClipping<T> | undefined;
  readonly onProgress?: ((event: ProgressEvent) => void) | undefined;
}

/** Trains, evaluates, and returns the experiment's result; shared by every experiment. */
export async function runExperiment<T>(run: ExperimentRun<T>): Promise<ExperimentResult> {
  const { model, optimizer, loss } = run;
  try {
    const history = await train({
      model,
      loss,
      optimizer,
      train: run.train,
      validation: run.validation,
      epochs: run.epochs,
      batchSize: run.batchSize,
      seed: run.seed,
      ...(run.clipping === undefined ? {} : { clipping: run.clipping }),
      ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }),
    });
    return {
      experiment: run.experiment,
      settings: run.settings,
      clipping:
        run.clipping === undefined
          ? null
          : { backend: run.clipping.clipper.backend.id, spec: run.clipping.clipper.spec },
      tfjsBackend: tf.getBackend(),
      history,
      final: {
        train: evaluate({ model, loss, dataset: run.train }),
        test: evaluate({ model, loss, dataset: run.test }),
      },
    };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}
