import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../datasets/dataset.js';
import { batchTensors } from './batches.js';
import { computeLoss, countCorrect, type LossKind } from './losses.js';

export interface Evaluation {
  /** Mean loss over the dataset. */
  readonly loss: number;
  /** Fraction of correct predictions (classification), else null. */
  readonly accuracy: number | null;
}

export interface EvaluateOptions {
  readonly model: tf.LayersModel;
  readonly loss: LossKind;
  readonly dataset: Dataset;
  /** Examples per forward pass; does not change the result beyond float rounding. Default 1,000. */
  readonly batchSize?: number;
}

/** Loss (and accuracy) in inference mode: batch normalisation uses its moving statistics. */
export function evaluate(options: EvaluateOptions): Evaluation {
  const { model, dataset } = options;
  const batchSize = options.batchSize ?? 1000;
  const classification = options.loss === 'sparseCategoricalCrossentropy';
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < dataset.count; start += batchSize) {
    const end = Math.min(start + batchSize, dataset.count);
    const batch = batchTensors(dataset, null, start, end);
    const predictions = model.apply(batch.features, { training: false }) as tf.Tensor;
    const loss = computeLoss(options.loss, predictions, batch.targets);
    lossSum += (loss.dataSync()[0] as number) * (end - start);
    if (classification) correct += countCorrect(predictions, batch.targets);
    tf.dispose([batch.features, batch.targets, predictions, loss]);
  }
  return {
    loss: lossSum / dataset.count,
    accuracy: classification ? correct / dataset.count : null,
  };
}
