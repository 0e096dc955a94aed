import { checkInteger } from '../errors.js';
import { createSeededRandom } from '../random/seeded-random.js';
import type { Dataset } from './dataset.js';

export interface AddingProblemOptions {
  /** Number of sequences. */
  readonly samples: number;
  /** Time steps per sequence, ≥ 2. Long sequences (≥ 100) make a plain RNN's gradients explode. */
  readonly length: number;
  /** Default 0. */
  readonly seed?: number;
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): each time step carries a
 * value from U[0, 1) and a marker; exactly two steps are marked, one in each half of the sequence,
 * and the target is the sum of the two marked values. Predicting the mean (1) scores an MSE of
 * 1/6 ≈ 0.167; solving it needs memory across the whole sequence, so gradients flow through every
 * step — the classic setting for exploding gradients. Features are `[length, 2]` per example
 * (value, marker), targets `[1]`.
 */
export function makeAddingProblem(options: AddingProblemOptions): Dataset {
  const samples = checkInteger('options.samples', options.samples, 1);
  const length = checkInteger('options.length', options.length, 2);
  const random = createSeededRandom(checkInteger('options.seed', options.seed ?? 0, 0, 0xffffffff));
  const half = Math.floor(length / 2);
  const features = new Float32Array(samples * length * 2);
  const targets = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const base = i * length * 2;
    for (let t = 0; t < length; t++) features[base + 2 * t] = random.uniform();
    const first = random.integer(half);
    const second = half + random.integer(length - half);
    features[base + 2 * first + 1] = 1;
    features[base + 2 * second + 1] = 1;
    // Sum of the float32 values the network sees, so the target is exactly attainable.
    targets[i] = (features[base + 2 * first] as number) + (features[base + 2 * second] as number);
  }
  return { count: samples, featureShape: [length, 2], features, targetShape: [1], targets };
}
