/**
 * Real gradients for the parity run: captured from the seed models while they train without
 * clipping (so they include the exploding steps), each clipped by several specs. The gradients are
 * deterministic (seeded data and weights, TF.js `cpu`), so the cases are the same on every run.
 */
import type { ClipSpec, NamedHostTensor } from '@gradclip/core';
import {
  createAddingModel,
  createRegressionModel,
  type Dataset,
  makeAddingProblem,
  makeRegression,
  silenceTfjsNodeBanner,
  sizeOf,
} from '@gradclip/models';
import type { ParityCase } from './parity-case.js';

const SPECS: readonly { readonly id: string; readonly spec: ClipSpec }[] = [
  { id: 'globalNorm', spec: { kind: 'globalNorm', maxNorm: 1 } },
  { id: 'globalNorm-inf', spec: { kind: 'globalNorm', maxNorm: 0.5, p: 'inf' } },
  { id: 'norm', spec: { kind: 'norm', maxNorm: 1 } },
  { id: 'norm-rows', spec: { kind: 'norm', maxNorm: 0.5, axes: [-1], nonFinite: 'zero' } },
  { id: 'value', spec: { kind: 'value', min: -5, max: 5 } },
  { id: 'pytorch', spec: { kind: 'globalNorm', maxNorm: 1, compat: 'pytorch', nonFinite: 'propagate' } },
  { id: 'keras', spec: { kind: 'norm', maxNorm: 1, compat: 'keras', nonFinite: 'propagate' } },
];

interface Training {
  readonly name: string;
  readonly model: import('@tensorflow/tfjs').LayersModel;
  readonly data: Dataset;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly momentum: number;
  /** Steps whose gradients are captured (0 is the first). */
  readonly capture: readonly number[];
}

async function captureGradients(
  training: Training,
): Promise<{ step: number; gradients: NamedHostTensor[] }[]> {
  const tf = await import('@tensorflow/tfjs');
  const { model, data, batchSize } = training;
  const optimizer = tf.train.momentum(training.learningRate, training.momentum);
  const variables = model.trainableWeights.map(
    (weight) => weight.read() as import('@tensorflow/tfjs').Variable,
  );
  const captured: { step: number; gradients: NamedHostTensor[] }[] = [];
  const last = Math.max(...training.capture);
  try {
    for (let step = 0; step <= last; step++) {
      const start = (step * batchSize) % data.count;
      const count = Math.min(batchSize, data.count - start);
      const featureSize = sizeOf(data.featureShape);
      const targetSize = sizeOf(data.targetShape);
      const { value, grads } = tf.tidy(() => {
        const x = tf.tensor(data.features.subarray(start * featureSize, (start + count) * featureSize), [
          count,
          ...data.featureShape,
        ]);
        const y = tf.tensor(
          data.targets.subarray(start * targetSize, (start + count) * targetSize) as Float32Array,
          [count, ...data.targetShape],
        );
        return tf.variableGrads(
          () =>
            tf.losses.meanSquaredError(
              y,
              model.apply(x) as import('@tensorflow/tfjs').Tensor,
            ) as import('@tensorflow/tfjs').Scalar,
          variables,
        );
      });
      value.dispose();
      if (training.capture.includes(step)) {
        captured.push({
          step,
          gradients: variables.map((variable) => {
            const gradient = grads[variable.name] as import('@tensorflow/tfjs').Tensor;
            return {
              name: variable.name,
              shape: [...gradient.shape],
              values: new Float32Array(gradient.dataSync()),
            };
          }),
        });
      }
      // Keyed by variable name, as applyGradients expects.
      optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      for (const gradient of Object.values(grads)) gradient.dispose();
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  return captured;
}

/** The captured cases: every captured gradient set × every spec, with ids `captured/<run>-step<N>/<spec>`. */
export async function capturedCases(): Promise<ParityCase[]> {
  const tf = await import('@tensorflow/tfjs');
  // The playground owns its output: no TF.js "install our node backend" banner.
  silenceTfjsNodeBanner(tf);
  await tf.setBackend('cpu');
  const trainings: Training[] = [
    {
      name: 'regression',
      model: createRegressionModel({ inputs: 20, hidden: 25, seed: 0 }),
      data: makeRegression({ samples: 1000, features: 20, informative: 10, noise: 0.1, seed: 1 }),
      batchSize: 32,
      learningRate: 0.01,
      momentum: 0.9,
      // Step 0 is an ordinary gradient; by step 3 the unclipped run has exploded (norms ~1e8+).
      capture: [0, 3],
    },
    {
      name: 'adding',
      model: createAddingModel({ length: 100, units: 32, seed: 0 }),
      data: makeAddingProblem({ samples: 64, length: 100, seed: 0 }),
      batchSize: 32,
      learningRate: 0.01,
      momentum: 0,
      capture: [0, 1],
    },
  ];
  const cases: ParityCase[] = [];
  for (const training of trainings) {
    for (const { step, gradients } of await captureGradients(training)) {
      for (const { id, spec } of SPECS) {
        cases.push({
          id: `captured/${training.name}-step${step}/${id}`,
          spec,
          input: gradients,
          source: 'captured',
        });
      }
    }
  }
  return cases;
}
