import { checkFinite, checkInteger } from '../errors.js';
import { createSeededRandom, randomPermutation } from '../random/seeded-random.js';
import type { Dataset } from './dataset.js';

/** Options of {@link makeRegression}, named after scikit-learn's `make_regression`. */
export interface MakeRegressionOptions {
  /** n_samples. Default 100. */
  readonly samples?: number;
  /** n_features. Default 100. */
  readonly features?: number;
  /** n_informative: features with a non-zero coefficient (capped at `features`). Default 10. */
  readonly informative?: number;
  /** Standard deviation of the Gaussian noise added to the targets. Default 0. */
  readonly noise?: number;
  /** Added to every target. Default 0. */
  readonly bias?: number;
  /** Shuffle the examples and the feature order, as scikit-learn does by default. Default true. */
  readonly shuffle?: boolean;
  /** Seed of the generator (random_state). Default 0. */
  readonly seed?: number;
}

export interface Regression extends Dataset {
  /** The true linear model, one coefficient per feature (zero for the uninformative ones). */
  readonly coefficients: Float64Array;
}

/**
 * A random linear regression problem with scikit-learn's meaning: standard normal features, a
 * linear model whose `informative` coefficients are `100 · U[0, 1)` (the rest 0), the target
 * `X · w + bias + noise · N(0, 1)`; then, when `shuffle`, the rows and the feature order are
 * permuted. The numbers are not NumPy's (another generator), but they are the same bits on every
 * JavaScript engine for a given seed.
 */
export function makeRegression(options: MakeRegressionOptions = {}): Regression {
  const samples = checkInteger('options.samples', options.samples ?? 100, 1);
  const featureCount = checkInteger('options.features', options.features ?? 100, 1);
  const informative = Math.min(
    checkInteger('options.informative', options.informative ?? 10, 0),
    featureCount,
  );
  const noise = checkFinite('options.noise', options.noise ?? 0, 0);
  const bias = checkFinite('options.bias', options.bias ?? 0);
  const seed = checkInteger('options.seed', options.seed ?? 0, 0, 0xffffffff);
  const random = createSeededRandom(seed);

  // Same draw order as scikit-learn: X, then the coefficients, then the noise, then the shuffles.
  const x = new Float64Array(samples * featureCount);
  for (let i = 0; i < x.length; i++) x[i] = random.normal();
  const coefficients = new Float64Array(featureCount);
  for (let j = 0; j < informative; j++) coefficients[j] = 100 * random.uniform();
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    let sum = 0;
    for (let j = 0; j < informative; j++)
      sum += (x[i * featureCount + j] as number) * (coefficients[j] as number);
    y[i] = sum + bias;
  }
  if (noise > 0) for (let i = 0; i < samples; i++) y[i] = (y[i] as number) + noise * random.normal();

  const rows = options.shuffle === false ? identity(samples) : randomPermutation(samples, random);
  const columns =
    options.shuffle === false ? identity(featureCount) : randomPermutation(featureCount, random);
  const features = new Float32Array(samples * featureCount);
  const targets = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const row = rows[i] as number;
    targets[i] = y[row] as number;
    for (let j = 0; j < featureCount; j++) {
      features[i * featureCount + j] = x[row * featureCount + (columns[j] as number)] as number;
    }
  }
  const shuffledCoefficients = new Float64Array(featureCount);
  for (let j = 0; j < featureCount; j++)
    shuffledCoefficients[j] = coefficients[columns[j] as number] as number;
  return {
    count: samples,
    featureShape: [featureCount],
    features,
    targetShape: [1],
    targets,
    coefficients: shuffledCoefficients,
  };
}

function identity(length: number): Int32Array {
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  return order;
}
