/**
 * Rounding-boundary cases, generated with exact arithmetic: thresholds placed so that `c / n` lies
 * within 1 to 10^4 float64 ULPs of a midpoint between two float32 values (exact mode), or gradients
 * tuned so that the norm itself lies that close to a float32 midpoint (the compat modes, which round
 * the norm to float32). Any backend whose sum is off by more than the distance to the midpoint rounds
 * the other way — unless core certifies its decisions. Expected outputs come from the independent
 * oracle (`independent-oracle.ts`: exact BigInt sums, the contract's formulas), never from the reference.
 */
import { float32ToJson } from '../gradient-json.js';
import { createRandom, type Random } from '../random.js';
import { elementCount } from '../slice-layout.js';
import { bitsHash, type CaseOutput, type ConformanceCase } from './case-format.js';
import { normFromUnits, powerSumUnits, roundUnits, toUnits } from './exact-rational.js';
import { independentClip, normOf } from './independent-oracle.js';

export interface BoundaryCaseOptions {
  /** Default 20261202. */
  readonly seed?: number;
  /** Default 60. */
  readonly count?: number;
  /** Longest tensor; default 20,000. Longer tensors are rarer than short ones. */
  readonly maxLength?: number;
}

type Family =
  | 'globalNorm-p2'
  | 'globalNorm-p1'
  | 'norm-p2'
  | 'norm-p1'
  | 'norm-axes'
  | 'chain'
  | 'pytorch-globalNorm'
  | 'keras-globalNorm'
  | 'keras-norm'
  | 'optax-norm';

const FAMILIES: readonly Family[] = [
  'globalNorm-p2',
  'globalNorm-p1',
  'norm-p2',
  'norm-p1',
  'norm-axes',
  'chain',
  'pytorch-globalNorm',
  'keras-globalNorm',
  'keras-norm',
  'optax-norm',
];

/** Up to this many elements, expected outputs are written value by value; beyond, as a bits hash. */
const LISTED = 256;

/** Deterministic boundary cases (the same list for the same options on every engine). */
export function boundaryCases(options: BoundaryCaseOptions = {}): ConformanceCase[] {
  const random = createRandom(options.seed ?? 20261202);
  const count = options.count ?? 60;
  const maxLength = options.maxLength ?? 20_000;
  return Array.from({ length: count }, (_, i) => {
    const family = FAMILIES[i % FAMILIES.length] as Family;
    return buildCase(family, i, random, maxLength);
  });
}

interface Tensor {
  readonly name: string;
  readonly shape: number[];
  readonly values: Float32Array;
}

function buildCase(family: Family, index: number, random: Random, maxLength: number): ConformanceCase {
  const p: 1 | 2 = family.endsWith('p1') ? 1 : 2;
  const magnitude = 10 ** (random.uniform() * 38 - 20);
  const ulps = Math.max(1, Math.round(10 ** (random.uniform() * 4)));
  const side = random.uniform() < 0.5 ? -1 : 1;
  const id = `boundary/${family}-${index}`;
  const tuned = family.startsWith('pytorch') || family.startsWith('keras') || family.startsWith('optax');
  const tensorCount = tuned || family === 'norm-axes' ? 1 : 1 + Math.floor(random.uniform() * 3);
  const tensors: Tensor[] = [];
  for (let t = 0; t < tensorCount; t++) {
    const length = randomLength(random, maxLength);
    const shape = family === 'norm-axes' ? [Math.max(2, Math.floor(length / 16)), 16] : [length];
    const size = elementCount(shape);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = Math.fround(random.normal() * magnitude);
    tensors.push({ name: `t${t}`, shape, values });
  }
  if (tuned) {
    // Compat modes round the norm itself: tune the gradients so that n lies near a float32 midpoint.
    const tensor = tuneNorm(tensors[0] as Tensor, random, ulps, side);
    const [compat, kind] = family.split('-') as [string, string];
    const maxNorm = Math.fround(normOf(tensor.values, 2) * (0.1 + 0.8 * random.uniform()));
    const description = `the norm within about ${ulps} float64 ULPs of a float32 midpoint (compat ${compat}, ${kind})`;
    return finish(id, description, { kind, maxNorm, compat }, [tensor]);
  }
  // Exact mode: place c so that c / n is `ulps` float64 ULPs from a float32 midpoint, where n is
  // the global norm, or the first tensor's (first row's, with axes) norm.
  const global = family.startsWith('globalNorm') || family === 'chain';
  const first = tensors[0] as Tensor;
  const reference = global
    ? normOf(
        tensors.flatMap((tensor) => Array.from(tensor.values)),
        p,
      )
    : normOf(family === 'norm-axes' ? first.values.subarray(0, 16) : first.values, p);
  const maxNorm = nearMidpoint(random, ulps, side) * reference;
  const inner: Record<string, unknown> = { kind: global ? 'globalNorm' : 'norm', maxNorm, p };
  if (family === 'norm-axes') inner.axes = [1];
  const spec =
    family === 'chain' ? { kind: 'chain', steps: [{ kind: 'value', min: -1e30, max: 1e30 }, inner] } : inner;
  const description = `c/n within ${ulps} float64 ULP${ulps === 1 ? '' : 's'} of a float32 midpoint (${family}, p = ${p})`;
  return finish(id, description, spec, tensors);
}

/**
 * Appends elements so that √Σg² lands near a float32 midpoint M: each appended x = fround(√(M² − S))
 * shrinks the remaining gap by a factor of about 2^24, so three steps get within float64 ULPs.
 */
function tuneNorm(tensor: Tensor, random: Random, ulps: number, side: number): Tensor {
  let units = powerSumUnits(tensor.values, 2);
  const start = normFromUnits(units, 2);
  const midpoint = float32Midpoint(Math.fround(start * (1.5 + random.uniform())));
  // Aim `ulps` float64 ULPs to one side of the midpoint.
  const aim = midpoint + side * ulps * float64Ulp(midpoint);
  const extra: number[] = [];
  for (let step = 0; step < 4; step++) {
    const remaining = roundUnits(toUnits(aim * aim) - units);
    if (!(remaining > 0)) break;
    const x = Math.fround(Math.sqrt(remaining));
    if (x === 0) break;
    extra.push(x);
    units += toUnits(x * x);
  }
  const values = new Float32Array(tensor.values.length + extra.length);
  values.set(tensor.values);
  values.set(extra, tensor.values.length);
  return { name: tensor.name, shape: [values.length], values };
}

/** The case, with its expectation from the independent oracle (never from the reference). */
function finish(
  id: string,
  description: string,
  spec: Record<string, unknown>,
  tensors: readonly Tensor[],
): ConformanceCase {
  const result = independentClip(spec, tensors);
  if (result === undefined) throw new Error(`internal: the independent oracle does not reach ${id}`);
  const outputs: CaseOutput[] = tensors.map((tensor, t) => {
    const values = result.outputs[t] as Float32Array;
    return values.length <= LISTED
      ? { name: tensor.name, shape: tensor.shape, values: Array.from(values, float32ToJson) }
      : { name: tensor.name, shape: tensor.shape, hash: bitsHash(values) };
  });
  return {
    id,
    description,
    spec,
    input: tensors.map((tensor) => ({
      name: tensor.name,
      shape: tensor.shape,
      values: Array.from(tensor.values, float32ToJson),
    })),
    expect: { outputs, report: result.report },
  };
}

/** A scale in (0.05, 0.95): `ulps` float64 ULPs to one side of a midpoint between two float32 values. */
function nearMidpoint(random: Random, ulps: number, side: number): number {
  const midpoint = float32Midpoint(Math.fround(0.05 + 0.9 * random.uniform()));
  return midpoint + side * ulps * float64Ulp(midpoint);
}

/** The midpoint between a float32 value and the next one up (exact in float64). */
function float32Midpoint(value: number): number {
  const exponent = Math.floor(Math.log2(value));
  return value + 2 ** (exponent - 24);
}

function float64Ulp(value: number): number {
  return 2 ** (Math.floor(Math.log2(value)) - 52);
}

function randomLength(random: Random, maxLength: number): number {
  const u = random.uniform();
  // Mostly short tensors, some long ones: 2 … maxLength on a log scale.
  return Math.max(2, Math.min(maxLength, Math.round(2 * (maxLength / 2) ** (u * u))));
}
