/**
 * The adaptive fixtures (`fixtures/adaptive/*.json`): their format, their reader, and their seeded
 * gradient sequences, defined once here and once in `scripts/generate-adaptive-fixtures.py` — the
 * fixtures store only the sequence's parameters, and both sides regenerate the same float32
 * gradients from them.
 */

import { readFileSync } from 'node:fs';
import type { StrategyState } from '../clipper-state.js';
import type { NamedHostTensor } from '../gradient-json.js';
import { createRandom } from '../random.js';
import type { AgcSpec, ClipSpec } from '../spec.js';

/** One step of a fixture: what the independent implementation computed. */
export interface AdaptiveFixtureStep {
  readonly threshold?: number;
  readonly thresholds?: number[];
  readonly clipped: boolean;
  readonly scale: number;
  readonly norm32: number;
  readonly checksum: number;
}

export interface AdaptiveFixture {
  readonly name: string;
  readonly spec: ClipSpec;
  readonly sequence: GradientSequence;
  readonly checkpoint: number;
  readonly checkpointState: StrategyState;
  readonly finalState: StrategyState;
  readonly steps: readonly AdaptiveFixtureStep[];
}

/** A fixture file of the Python generators; an uncapped threshold is spelt "Infinity", as in gradclip's JSON. */
export function readFixtureJson<T>(path: string | URL): T {
  return JSON.parse(readFileSync(path, 'utf8'), (_, value) =>
    value === 'Infinity' ? Number.POSITIVE_INFINITY : value,
  ) as T;
}

export function readAdaptiveFixture(path: string | URL): AdaptiveFixture {
  return readFixtureJson<AdaptiveFixture>(path);
}

/** `fixtures/agc.json`: one call per case, its tensors drawn from the case's seed ({@link agcTensors}). */
export interface AgcFixture {
  readonly shapes: number[][];
  readonly names: string[];
  readonly cases: {
    readonly seed: number;
    readonly gradScale: number;
    readonly spec: AgcSpec;
    readonly clipped: boolean;
    readonly scale: number;
    readonly checksum: number;
  }[];
}

/**
 * An AGC case's parameters and gradients, drawn as the Python script draws them: unit 0 of every
 * parameter but the bias is zero (the eps floor on the parameter norm decides there).
 */
export function agcTensors(
  fixture: AgcFixture,
  seed: number,
  gradScale: number,
): { parameters: NamedHostTensor[]; gradients: NamedHostTensor[] } {
  const random = createRandom(seed);
  const make = (draw: (k: number, i: number, shape: number[]) => number): NamedHostTensor[] =>
    fixture.shapes.map((shape, i) => {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let k = 0; k < values.length; k++) values[k] = draw(k, i, shape);
      return { name: fixture.names[i] as string, shape, values };
    });
  const parameters = make((k, i, shape) =>
    k % (shape[shape.length - 1] as number) === 0 && i !== 1 ? 0 : random.normal() * 0.5,
  );
  const gradients = make(() => random.normal() * gradScale);
  return { parameters, gradients };
}

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
