/**
 * Rounding-boundary cases, generated with exact arithmetic: thresholds placed so that `c / n` lies
 * within 1 to 10^4 float64 ULPs of a midpoint between two float32 values (exact mode), or gradients
 * tuned so that the norm itself lies that close to a float32 midpoint (the compat modes, which round
 * the norm to float32). Any backend whose sum is off by more than the distance to the midpoint rounds
 * the other way — unless core certifies its decisions. Expected outputs come from `exact-rational.ts`
 * and the contract's formulas written out here, never from the reference backend.
 */
import { float32ToJson } from '../gradient-json.js';
import { createRandom, type Random } from '../random.js';
import { bitsHash, type CaseOutput, type CaseReport, type ConformanceCase } from './case-format.js';
import { normFromUnits, powerSumUnits, roundUnits, toUnits } from './exact-rational.js';

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

/** A slice's decision: multiply by `multiplier`, or divide/multiply in a compat order. */
interface Decision {
  readonly apply: boolean;
  readonly output: (g: number) => number;
  /** The report's scale for this slice (the factor its norm is multiplied by). */
  readonly scale: number;
}

const IDENTITY: Decision = { apply: false, output: (g) => g, scale: 1 };

function multiply(factor: number): Decision {
  const multiplier = Math.fround(factor);
  if (multiplier === 1) return IDENTITY;
  // float32 × float32 is exact in float64; fround rounds once.
  return { apply: true, output: (g) => Math.fround(g * multiplier), scale: multiplier };
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
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = Math.fround(random.normal() * magnitude);
    tensors.push({ name: `t${t}`, shape, values });
  }
  if (tuned) return compatCase(family, id, tensors[0] as Tensor, random, ulps, side);

  // Exact mode: place c so that c / n is `ulps` float64 ULPs from a float32 midpoint.
  const sliceNorms = tensors.map((tensor) => sliceSums(tensor, family === 'norm-axes', p));
  const global = family.startsWith('globalNorm') || family === 'chain';
  const reference = global
    ? normFromUnits(
        sliceNorms.flat().reduce((a, b) => a + b, 0n),
        p,
      )
    : normFromUnits(sliceNorms[0]?.[0] as bigint, p);
  const target = nearMidpoint(random, ulps, side);
  const maxNorm = target * reference;
  const decideExact = (norm: number): Decision => (norm <= maxNorm ? IDENTITY : multiply(maxNorm / norm));
  const description = `c/n within ${ulps} float64 ULP${ulps === 1 ? '' : 's'} of a float32 midpoint (${family}, p = ${p})`;
  const inner = { kind: global ? 'globalNorm' : 'norm', maxNorm, p } as Record<string, unknown>;
  if (family === 'norm-axes') inner.axes = [1];
  const spec =
    family === 'chain' ? { kind: 'chain', steps: [{ kind: 'value', min: -1e30, max: 1e30 }, inner] } : inner;
  if (global) {
    const decision = decideExact(reference);
    const report: CaseReport = {
      kind: family === 'chain' ? 'chain' : 'globalNorm',
      normBefore: family === 'chain' && p !== 2 ? l2Norm(tensors) : reference,
      normAfter: decision.apply ? reference * decision.scale : reference,
      scale: family === 'chain' ? null : decision.scale,
      clipped: decision.apply,
      nonFiniteCount: 0,
      skipped: false,
    };
    return finish(id, description, spec, tensors, () => decision, report);
  }
  return perSliceCase(id, description, spec, tensors, sliceNorms, p, decideExact);
}

/** Compat modes round the norm itself: tune the gradients so that n lies near a float32 midpoint. */
function compatCase(
  family: Family,
  id: string,
  tensor: Tensor,
  random: Random,
  ulps: number,
  side: number,
): ConformanceCase {
  const tunedTensor = tuneNorm(tensor, random, ulps, side);
  const units = powerSumUnits(tunedTensor.values, 2);
  const norm = normFromUnits(units, 2);
  const maxNorm = Math.fround(norm * (0.1 + 0.8 * random.uniform()));
  const c = Math.fround(maxNorm);
  const n = Math.fround(norm);
  let decision: Decision;
  let kind: 'globalNorm' | 'norm' = 'globalNorm';
  switch (family) {
    case 'pytorch-globalNorm': {
      // clip_coef = max_norm / (total_norm + 1e-6), clamped to 1; Tensor.__rtruediv__ is reciprocal × scalar.
      const denominator = Math.fround(n + Math.fround(1e-6));
      const coefficient = Math.fround(Math.fround(1 / denominator) * c);
      decision = multiply(Math.min(coefficient, 1));
      break;
    }
    case 'keras-globalNorm': {
      // clip_by_global_norm: scale = c · min(1/n, 1/c) in float32.
      decision = multiply(Math.fround(c * Math.min(Math.fround(1 / n), Math.fround(1 / c))));
      break;
    }
    case 'keras-norm': {
      // clip_by_norm: t · c / max(n, c), always applied.
      kind = 'norm';
      const divisor = Math.max(n, c);
      decision = {
        apply: true,
        output: (g) => Math.fround(Math.fround(g * c) / divisor),
        scale: c / divisor,
      };
      break;
    }
    default: {
      // optax clip_by_global_norm / per tensor: n < c → unchanged; else (g / n) · c.
      kind = 'norm';
      decision =
        n < c ? IDENTITY : { apply: true, output: (g) => Math.fround(Math.fround(g / n) * c), scale: c / n };
    }
  }
  const compat = family.split('-')[0];
  const spec = { kind, maxNorm, compat };
  const report: CaseReport = {
    kind,
    normBefore: norm,
    normAfter: decision.apply ? norm * decision.scale : norm,
    scale: decision.scale,
    clipped: decision.apply,
    nonFiniteCount: 0,
    skipped: false,
  };
  const description = `the norm within about ${ulps} float64 ULPs of a float32 midpoint (compat ${compat}, ${kind})`;
  return finish(id, description, spec, [tunedTensor], () => decision, report);
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

function perSliceCase(
  id: string,
  description: string,
  spec: Record<string, unknown>,
  tensors: readonly Tensor[],
  sliceUnits: readonly bigint[][],
  p: 1 | 2,
  decide: (norm: number) => Decision,
): ConformanceCase {
  const decisions = sliceUnits.map((slices) => slices.map((units) => decide(normFromUnits(units, p))));
  const norms = sliceUnits.map((slices) => slices.map((units) => normFromUnits(units, p)));
  const all = sliceUnits.flat().reduce((a, b) => a + b, 0n);
  let after = 0;
  let smallest = 1;
  for (const [t, slices] of norms.entries()) {
    for (const [slice, norm] of slices.entries()) {
      const decision = (decisions[t] as Decision[])[slice] as Decision;
      if (decision.scale < smallest) smallest = decision.scale;
      const normAfter = decision.apply ? norm * decision.scale : norm;
      after += p === 2 ? normAfter * normAfter : normAfter;
    }
  }
  const report: CaseReport = {
    kind: 'norm',
    normBefore: normFromUnits(all, p),
    normAfter: p === 2 ? Math.sqrt(after) : after,
    scale: smallest,
    clipped: decisions.some((slices) => slices.some((decision) => decision.apply)),
    nonFiniteCount: 0,
    skipped: false,
  };
  // With axes [1] on a [rows, 16] tensor, element i belongs to row (slice) ⌊i / 16⌋.
  const axes = spec.axes !== undefined;
  return finish(
    id,
    description,
    spec,
    tensors,
    (t, i) => (decisions[t] as Decision[])[axes ? Math.floor(i / 16) : 0] as Decision,
    report,
  );
}

function finish(
  id: string,
  description: string,
  spec: Record<string, unknown>,
  tensors: readonly Tensor[],
  decisionOf: (tensor: number, element: number) => Decision,
  report: CaseReport,
): ConformanceCase {
  const outputs: CaseOutput[] = tensors.map((tensor, t) => {
    const values = tensor.values.map((g, i) => decisionOf(t, i).output(g));
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
    expect: { outputs, report },
  };
}

/** Per slice (one slice, or one per row with axes), the exact Σ|g|^p in units. */
function sliceSums(tensor: Tensor, rows: boolean, p: 1 | 2): bigint[] {
  if (!rows) return [powerSumUnits(tensor.values, p)];
  const columns = tensor.shape[1] as number;
  return Array.from({ length: tensor.shape[0] as number }, (_, row) =>
    powerSumUnits(tensor.values.subarray(row * columns, (row + 1) * columns), p),
  );
}

function l2Norm(tensors: readonly Tensor[]): number {
  return normFromUnits(
    tensors.reduce((total, tensor) => total + powerSumUnits(tensor.values, 2), 0n),
    2,
  );
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
