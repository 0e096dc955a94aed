/**
 * The seeded gradient sequences of the adaptive fixtures (`fixtures/adaptive/*.json`), defined
 * once here and once in `scripts/generate-adaptive-fixtures.py`: the fixtures store only the
 * sequence's parameters, and both sides regenerate the same float32 gradients from them.
 */

import type { NamedHostTensor } from '../gradient-json.js';
import { createRandom } from '../random.js';

export interface GradientSequence {
  readonly seed: number;
  readonly steps: number;
  /** Probability that a step is a spike. */
  readonly spikeRate: number;
  /** How much larger a spike step's gradients are. */
  readonly spikeFactor: number;
  readonly shapes: readonly (readonly number[])[];
  readonly names: readonly string[];
  /** Per tensor, the standard deviation of its values on an ordinary step (times 0.5…1.5). */
  readonly tensorScales: readonly number[];
}

/** Each step's gradients: float64 products rounded once to float32, in a fixed order. */
export function* gradientSequence(sequence: GradientSequence): Generator<NamedHostTensor[]> {
  const random = createRandom(sequence.seed);
  for (let step = 0; step < sequence.steps; step++) {
    const spike = random.uniform() < sequence.spikeRate;
    const level = (spike ? sequence.spikeFactor : 1) * (0.5 + random.uniform());
    yield sequence.shapes.map((shape, i) => {
      const size = shape.reduce((product, dim) => product * dim, 1);
      const scale = sequence.tensorScales[i] as number;
      const values = new Float32Array(size);
      for (let k = 0; k < size; k++) values[k] = random.normal() * level * scale;
      return { name: sequence.names[i] as string, shape: [...shape], values };
    });
  }
}

/** FNV-1a over the float32 bit patterns (as 32-bit words) of every tensor, in order. */
export function outputChecksum(tensors: readonly { readonly values: Float32Array }[]): number {
  let hash = 0x811c9dc5;
  for (const tensor of tensors) {
    const words = new Uint32Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.length);
    for (const word of words) hash = Math.imul(hash ^ word, 16777619) >>> 0;
  }
  return hash;
}
