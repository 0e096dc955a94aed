import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../datasets/dataset.js';
import { checkInteger } from '../errors.js';
import { createSeededRandom, randomPermutation } from '../random/seeded-random.js';
import { batchTensors } from './batches.js';
import { evaluate } from './evaluate.js';
import type { EpochRecord, StepRecord, TrainingHistory } from './history.js';
import { computeLoss, type LossKind } from './losses.js';
import type { ProgressEvent } from './progress.js';
import type { GradientClipping } from './tensor-bridge.js';

export interface TrainOptions<T> {
  readonly model: tf.LayersModel;
  readonly loss: LossKind;
  readonly optimizer: tf.Optimizer;
  readonly train: Dataset;
  /** Evaluated after every epoch (Keras's `validation_data`). */
  readonly validation?: Dataset;
  readonly epochs: number;
  /** Default 32, as Keras. */
  readonly batchSize?: number;
  /** Reshuffle the training examples every epoch, as Keras does. Default true. */
  readonly shuffle?: boolean;
  /** Seed of the shuffles. Default 0. */
  readonly seed?: number;
  /** The clipper and its bridge; omitted: no clipping (the norm is still measured and recorded). */
  readonly clipping?: GradientClipping<T>;
  /** Stop at the first NaN or infinite batch loss (the step is recorded). Default true. */
  readonly stopOnNonFiniteLoss?: boolean;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * A custom training loop: per batch, gradients from TF.js (`tf.variableGrads`, training mode),
 * then clipping through `options.clipping` (any backend, any spec), then `applyGradients` — unless
 * the clipper's report says `skipped`. Everything is deterministic given the seeds and a
 * deterministic TF.js backend (`cpu`; the caller picks it, TF.js's engine is global).
 */
export async function train<T>(options: TrainOptions<T>): Promise<TrainingHistory> {
  const { model, train: data } = options;
  const epochs = checkInteger('options.epochs', options.epochs, 0);
  const batchSize = checkInteger('options.batchSize', options.batchSize ?? 32, 1);
  const random = createSeededRandom(checkInteger('options.seed', options.seed ?? 0, 0, 0xffffffff));
  const stopOnNonFinite = options.stopOnNonFiniteLoss ?? true;
  // Fixed order (the model's), so global norms accumulate identically in every run.
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(data.count / batchSize);
  const steps: StepRecord[] = [];
  const epochRecords: EpochRecord[] = [];
  let stopped: TrainingHistory['stopped'] = null;

  for (let epoch = 1; epoch <= epochs && stopped === null; epoch++) {
    const order = options.shuffle === false ? null : randomPermutation(data.count, random);
    const epochSteps: StepRecord[] = [];
    let lossSum = 0;
    let seen = 0;
    for (let start = 0, stepInEpoch = 1; start < data.count; start += batchSize, stepInEpoch++) {
      const end = Math.min(start + batchSize, data.count);
      const record = await trainStep(options, variables, order, start, end, epoch, steps.length);
      steps.push(record);
      epochSteps.push(record);
      lossSum += record.loss * (end - start);
      seen += end - start;
      options.onProgress?.({ type: 'step', epoch, epochs, stepInEpoch, stepsPerEpoch, record });
      if (stopOnNonFinite && !Number.isFinite(record.loss)) {
        stopped = { epoch, step: record.step, reason: `non-finite loss ${record.loss}` };
        break;
      }
    }
    const validation =
      options.validation === undefined
        ? null
        : evaluate({ model, loss: options.loss, dataset: options.validation });
    const epochRecord: EpochRecord = {
      epoch,
      loss: lossSum / seen,
      validationLoss: validation?.loss ?? null,
      validationAccuracy: validation?.accuracy ?? null,
      clippedSteps: epochSteps.filter((step) => step.clipped).length,
      skippedSteps: epochSteps.filter((step) => step.skipped).length,
      maxNormBefore: epochSteps.reduce(
        (max, step) => (step.normBefore > max || Number.isNaN(step.normBefore) ? step.normBefore : max),
        0,
      ),
    };
    epochRecords.push(epochRecord);
    options.onProgress?.({ type: 'epoch', epochs, record: epochRecord });
  }
  return { steps, epochs: epochRecords, stopped };
}

async function trainStep<T>(
  options: TrainOptions<T>,
  variables: readonly tf.Variable[],
  order: Int32Array | null,
  start: number,
  end: number,
  epoch: number,
  step: number,
): Promise<StepRecord> {
  const batch = batchTensors(options.train, order, start, end);
  const { value, grads } = tf.variableGrads(() => {
    const predictions = options.model.apply(batch.features, { training: true }) as tf.Tensor;
    return computeLoss(options.loss, predictions, batch.targets);
  }, variables as tf.Variable[]);
  const loss = value.dataSync()[0] as number;
  tf.dispose([batch.features, batch.targets, value]);
  const gradients = variables.map((variable) => grads[variable.name] as tf.Tensor);
  const owned = new Set<tf.Tensor>(gradients);
  try {
    let update = gradients;
    let normBefore: number;
    let normAfter: number;
    let clipped = false;
    let skipped = false;
    let thresholds: Pick<StepRecord, 'threshold' | 'perTensorThresholds'> = {};
    const clipping = options.clipping;
    if (clipping === undefined) {
      normBefore = normAfter = globalNorm(gradients);
    } else {
      const { clipper, bridge } = clipping;
      const inputs = await Promise.all(gradients.map((gradient) => bridge.toClipper(gradient)));
      const result = await clipper.clip(inputs);
      const outputs = result.gradients;
      // An unchanged tensor comes back as the same object: reuse the TF.js gradient, no copy.
      update = await Promise.all(
        outputs.map((output, i) =>
          output === inputs[i]
            ? (gradients[i] as tf.Tensor)
            : bridge.fromClipper(output, (gradients[i] as tf.Tensor).shape),
        ),
      );
      for (const tensor of update) owned.add(tensor);
      bridge.release(
        [...new Set([...inputs, ...outputs])].filter((tensor) => !owned.has(tensor as tf.Tensor)),
      );
      ({ normBefore, normAfter, clipped, skipped } = result.report);
      const { threshold, perTensorThresholds } = result.report;
      thresholds = {
        ...(threshold === undefined ? {} : { threshold }),
        ...(perTensorThresholds === undefined ? {} : { perTensorThresholds }),
      };
    }
    if (!skipped) {
      options.optimizer.applyGradients(
        Object.fromEntries(variables.map((variable, i) => [variable.name, update[i] as tf.Tensor])),
      );
    }
    return { epoch, step, loss, normBefore, normAfter, clipped, skipped, ...thresholds };
  } finally {
    tf.dispose([...owned]);
  }
}

/** Global L2 norm in float64 from the float32 values (unclipped runs record it too). */
function globalNorm(gradients: readonly tf.Tensor[]): number {
  let sum = 0;
  for (const gradient of gradients) {
    const values = gradient.dataSync();
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      sum += value * value;
    }
  }
  return Math.sqrt(sum);
}
