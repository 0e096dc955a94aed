/**
 * The value, norm and global-norm strategies as ONNX nodes, and core's decision rule (decideScale,
 * every compat mode) elementwise over norms — mirroring core's strategies/ and clip-math.ts with the
 * spec's constants baked in. The other kinds decide through `decide` too.
 */
import type { ResolvedGlobalNormSpec, ResolvedNormSpec, ResolvedValueSpec } from '@gradclip/core';
import { normalizeAxes, PYTORCH_EPSILON } from '@gradclip/core/backend';
import type { ClipGraphOps, GraphTensor } from './clip-graph-ops.js';
import type { KindResult } from './clip-graph-strategies.js';

type CoreResult = Pick<KindResult, 'tensors' | 'clipped' | 'scale'>;

export function buildValue(
  ops: ClipGraphOps,
  spec: ResolvedValueSpec,
  tensors: readonly GraphTensor[],
): CoreResult {
  const min = Math.fround(spec.min);
  const max = Math.fround(spec.max);
  let clipped = ops.bool(false);
  const outputs = tensors.map((tensor) => {
    const below = ops.node('Less', [tensor.value, ops.float(min)]);
    const above = ops.node('Greater', [tensor.value, ops.float(max)]);
    clipped = ops.or(clipped, ops.or(ops.any(below), ops.any(above)));
    return { value: ops.clampWith(tensor.value, below, min, above, max), rank: tensor.rank };
  });
  return { tensors: outputs, clipped, scale: ops.double(Number.NaN) };
}

/** Per-slice norms of one tensor, re-summed pre-scaled when float64 lost the range (general p). */
function sliceNorms(
  ops: ClipGraphOps,
  tensor: GraphTensor,
  p: number,
  axes: readonly number[] | null,
  count: string,
): string {
  const sums = ops.powerSum(tensor, p, axes, null);
  if (p === 1 || p === 2 || p === Number.POSITIVE_INFINITY) return ops.normFromPowerSum(sums, p, null);
  const maxAbs = ops.maxAbs(tensor, axes);
  const tensorMax = ops.reduce('ReduceMax', maxAbs, null, false);
  const finite = ops.node('Equal', [count, ops.int64(0)]);
  const rescale = ops.and(finite, ops.any(ops.needsRescale(sums, maxAbs)));
  const powerOfTwo = ops.powerOfTwoBelow(ops.where(rescale, tensorMax, ops.double(0)));
  const down = ops.node('Div', [ops.double(1), powerOfTwo]);
  const rescaled = ops.powerSum(tensor, p, axes, down);
  return ops.normFromPowerSum(ops.where(rescale, rescaled, sums), p, powerOfTwo);
}

export function buildNorm(
  ops: ClipGraphOps,
  spec: ResolvedNormSpec,
  tensors: readonly GraphTensor[],
  counts: readonly string[],
): CoreResult {
  let clipped = ops.bool(false);
  const scales: string[] = [];
  const outputs = tensors.map((tensor, i) => {
    const axes = resolveAxes(spec.axes, tensor.rank);
    const norm = sliceNorms(ops, tensor, spec.p, axes, counts[i] as string);
    const decision = decide(ops, norm, spec.maxNorm, spec.compat, 'perTensor');
    clipped = ops.or(clipped, ops.any(decision.apply));
    // ReduceMin skips NaN in ORT; core's smallest scale keeps it.
    const nan = ops.any(ops.isNaN(decision.scale));
    const clean = ops.where(ops.isNaN(decision.scale), ops.double(Number.POSITIVE_INFINITY), decision.scale);
    scales.push(ops.where(nan, ops.double(Number.NaN), ops.reduce('ReduceMin', clean, null, false)));
    return { value: decision.scaled(tensor.value), rank: tensor.rank };
  });
  return { tensors: outputs, clipped, scale: minPropagatingNaN(ops, [ops.double(1), ...scales]) };
}

function minPropagatingNaN(ops: ClipGraphOps, values: readonly string[]): string {
  let min = ops.double(Number.POSITIVE_INFINITY);
  let nan = ops.bool(false);
  for (const value of values) {
    nan = ops.or(nan, ops.isNaN(value));
    min = ops.node('Min', [min, ops.where(ops.isNaN(value), ops.double(Number.POSITIVE_INFINITY), value)]);
  }
  return ops.where(nan, ops.double(Number.NaN), min);
}

/** The global norm of all tensors (core's partial norm, with its rescale for general p). */
export function globalNorm(
  ops: ClipGraphOps,
  tensors: readonly GraphTensor[],
  p: number,
  counts: readonly string[],
): { norm: string; perTensor: string[] } {
  if (tensors.length === 0) return { norm: ops.double(0), perTensor: [] };
  const sums = tensors.map((tensor) => ops.powerSum(tensor, p, null, null));
  const combine = (parts: readonly string[]) =>
    p === Number.POSITIVE_INFINITY ? ops.maxPropagatingNaN(parts) : ops.sum(parts, ops.double(0));
  const total = ops.scalar(combine(sums));
  if (p === 1 || p === 2 || p === Number.POSITIVE_INFINITY) {
    return {
      norm: ops.normFromPowerSum(total, p, null),
      perTensor: sums.map((sum) => ops.normFromPowerSum(ops.scalar(sum), p, null)),
    };
  }
  const maxAll = ops.maxPropagatingNaN(tensors.map((tensor) => ops.maxAbs(tensor, null)));
  const count = ops.sum(counts, ops.int64(0));
  const rescale = ops.and(ops.node('Equal', [count, ops.int64(0)]), ops.needsRescale(total, maxAll));
  const powerOfTwo = ops.powerOfTwoBelow(ops.where(rescale, maxAll, ops.double(0)));
  const down = ops.node('Div', [ops.double(1), powerOfTwo]);
  const rescaled = tensors.map((tensor) => ops.powerSum(tensor, p, null, down));
  const chosen = sums.map((sum, i) => ops.where(rescale, rescaled[i] as string, sum));
  const chosenTotal = ops.scalar(combine(chosen));
  return {
    norm: ops.normFromPowerSum(chosenTotal, p, powerOfTwo),
    perTensor: chosen.map((sum) => ops.normFromPowerSum(ops.scalar(sum), p, powerOfTwo)),
  };
}

export function buildGlobalNorm(
  ops: ClipGraphOps,
  spec: ResolvedGlobalNormSpec,
  tensors: readonly GraphTensor[],
  global: { norm: string; perTensor: string[] },
): CoreResult {
  if (tensors.length === 0) return { tensors: [], clipped: ops.bool(false), scale: ops.double(1) };
  const { norm, perTensor } = global;
  const decisionNorm = spec.compat === 'pytorch' ? pytorchTotalNorm(ops, perTensor, spec.p) : norm;
  // One decision for all tensors, applied to each.
  const decision = decide(ops, decisionNorm, spec.maxNorm, spec.compat, 'global');
  const outputs = tensors.map((tensor) => ({ value: decision.scaled(tensor.value), rank: tensor.rank }));
  return { tensors: outputs, clipped: ops.any(decision.apply), scale: decision.scale };
}

/** core's pytorchTotalNorm: the norm of the float32 per-tensor norms, rounded to float32. */
function pytorchTotalNorm(ops: ClipGraphOps, perTensor: readonly string[], p: number): string {
  const rounded = perTensor.map((norm) => ops.toDouble(ops.toFloat(norm)));
  if (rounded.length === 1) return rounded[0] as string;
  if (p === Number.POSITIVE_INFINITY) return ops.maxPropagatingNaN(rounded);
  const terms = rounded.map((norm) =>
    p === 2 ? ops.node('Mul', [norm, norm]) : ops.node('Pow', [norm, ops.double(p)]),
  );
  return ops.toDouble(ops.toFloat(ops.normFromPowerSum(ops.sum(terms, ops.double(0)), p, null)));
}

interface Decision {
  /** bool, broadcast like the norm */
  readonly apply: string;
  /** float64 scale per slice (1 where identity) */
  readonly scale: string;
  /** The decision applied to a float32 tensor `x` (broadcast like the norm). */
  scaled(x: string): string;
}

/** core's decideScale, elementwise over norms (double). */
export function decide(
  ops: ClipGraphOps,
  norm: string,
  maxNorm: number,
  compat: ResolvedNormSpec['compat'],
  scope: 'global' | 'perTensor',
): Decision {
  const no = ops.bool(false);
  if (maxNorm === Number.POSITIVE_INFINITY) return { apply: no, scale: ops.double(1), scaled: (x) => x };
  const multiply = (multiplier: string, apply: string): Decision => {
    // The factor is chosen, not the product: x·1 is x bit for bit, -0 included.
    const factor = ops.where(apply, multiplier, ops.float(1));
    return {
      apply,
      scale: ops.where(apply, ops.toDouble(multiplier), ops.double(1)),
      scaled: (x) => ops.node('Mul', [x, factor]),
    };
  };
  if (maxNorm === 0) {
    return multiply(ops.float(0), ops.node('Not', [ops.node('Equal', [norm, ops.double(0)])]));
  }
  const c = ops.float(Math.fround(maxNorm));
  switch (compat) {
    case 'exact': {
      // NaN norms compare false, so they apply (and scale by NaN) as in core.
      const multiplier = ops.toFloat(ops.node('Div', [ops.double(maxNorm), norm]));
      // A factor that rounds to 1 is core's identity (not clipped).
      const over = ops.node('Not', [ops.node('LessOrEqual', [norm, ops.double(maxNorm)])]);
      return multiply(
        multiplier,
        ops.and(over, ops.node('Not', [ops.node('Equal', [multiplier, ops.float(1)])])),
      );
    }
    case 'pytorch': {
      const denominator = ops.node('Add', [ops.toFloat(norm), ops.float(PYTORCH_EPSILON)]);
      const coefficient = ops.node('Mul', [ops.node('Div', [ops.float(1), denominator]), c]);
      const capped = ops.where(ops.node('Greater', [coefficient, ops.float(1)]), ops.float(1), coefficient);
      // multiply(1) is the identity in core; x·1 is x bit for bit, so always multiplying is the same.
      return multiply(capped, ops.node('Not', [ops.node('Equal', [capped, ops.float(1)])]));
    }
    case 'keras': {
      const n = ops.toFloat(norm);
      if (scope === 'global') {
        const inverseNorm = ops.node('Div', [ops.float(1), n]);
        const inverseThreshold = ops.float(Math.fround(1 / Math.fround(maxNorm)));
        const smaller = ops.where(
          ops.node('Less', [inverseThreshold, inverseNorm]),
          inverseThreshold,
          inverseNorm,
        );
        const finiteScale = ops.node('Mul', [c, smaller]);
        const scale = ops.node('Add', [finiteScale, ops.node('Sub', [n, n])]);
        return multiply(scale, ops.node('Not', [ops.node('Equal', [scale, ops.float(1)])]));
      }
      // clip_by_norm: always (g·c) / max(n, c), NaN-propagating max.
      const divisor = ops.where(ops.or(ops.node('Greater', [n, c]), ops.isNaN(n)), n, c);
      return {
        apply: ops.node('Not', [no]),
        scale: ops.node('Div', [ops.toDouble(c), ops.toDouble(divisor)]),
        scaled: (x) => ops.node('Div', [ops.node('Mul', [x, c]), divisor]),
      };
    }
    case 'optax': {
      const n = ops.toFloat(norm);
      const apply = ops.node('Not', [ops.node('Less', [n, c])]);
      const divisor = ops.where(apply, n, ops.float(1));
      const multiplier = ops.where(apply, c, ops.float(1));
      return {
        apply,
        scale: ops.where(apply, ops.node('Div', [ops.toDouble(c), ops.toDouble(n)]), ops.double(1)),
        scaled: (x) => ops.node('Mul', [ops.node('Div', [x, divisor]), multiplier]),
      };
    }
  }
}

/** Core's axis rule (negative from the end; out of range or repeated is SHAPE_MISMATCH), on symbolic dims. */
export function resolveAxes(axes: readonly number[] | undefined, rank: number): readonly number[] | null {
  if (axes === undefined) return null;
  const dims = Array.from({ length: rank }, (_, axis) => `d${axis}`);
  const resolved = normalizeAxes(axes, dims, 'spec.axes');
  return resolved.length === rank ? null : resolved;
}
