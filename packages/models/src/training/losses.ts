import * as tf from '@tensorflow/tfjs';

/** The losses the experiments use, with Keras's definitions. */
export type LossKind = 'meanSquaredError' | 'sparseCategoricalCrossentropy';

// Keras's backend epsilon: probabilities are clipped to [ε, 1 − ε] before the log.
const EPSILON = 1e-7;

/** Mean loss over the batch (a scalar). `targets`: `[batch, 1]` floats or `[batch]` int32 labels. */
export function computeLoss(kind: LossKind, predictions: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    if (kind === 'meanSquaredError') return tf.mean(tf.squaredDifference(predictions, targets)) as tf.Scalar;
    const classes = predictions.shape[predictions.shape.length - 1] as number;
    const probabilities = tf.clipByValue(predictions, EPSILON, 1 - EPSILON);
    const picked = tf.sum(
      tf.mul(tf.oneHot(tf.cast(targets, 'int32') as tf.Tensor1D, classes), tf.log(probabilities)),
      -1,
    );
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Correct predictions in the batch (classification only): argmax equals the label. */
export function countCorrect(predictions: tf.Tensor, labels: tf.Tensor): number {
  return tf.tidy(() => {
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(predictions, -1), tf.cast(labels, 'int32')), 'int32'));
    return hits.dataSync()[0] as number;
  });
}
