/**
 * The stateless kinds beyond value/norm/globalNorm as ONNX nodes: blockRms, skipOnSpike, lossScaled,
 * agc and perExample, each the formula and order of operations of its core strategy (see
 * packages/core/src/strategies/), deciding from the graph's own float64 sums (not certified).
 */
import {
  ClipError,
  type ResolvedAgcSpec,
  type ResolvedBlockRmsSpec,
  type ResolvedLossScaledSpec,
  type ResolvedSkipOnSpikeSpec,
  type ResolvedSpec,
} from '@gradclip/core';
import { unitAxes } from '@gradclip/core/backend';
import { decide, resolveAxes } from './clip-graph-norms.js';
import type { GraphTensor } from './clip-graph-ops.js';
import type { KindInput, KindResult } from './clip-graph-strategies.js';
import type { Dimension } from './graph-builder.js';
import { ElementType } from './onnx-schema.js';

type ResolvedPerExampleSpec = Extract<ResolvedSpec, { kind: 'perExample' }>;

/** Per tensor, its whole L2 norm (float64 scalar). */
export function tensorNorms(input: KindInput): string[] {
  const { ops } = input;
  return input.tensors.map((tensor) => ops.node('Sqrt', [ops.scalar(ops.powerSum(tensor, 2, null, null))]));
}

/** Each tensor clipped by its own L2 norm at its own threshold (core's clipEachAt). */
export function clipEachAt(
  input: KindInput,
  norms: readonly string[],
  thresholds: readonly string[],
): { tensors: GraphTensor[]; decisions: ReturnType<KindInput['ops']['exactDecision']>[] } {
  const { ops } = input;
  const decisions = norms.map((norm, i) => ops.exactDecision(norm, thresholds[i] as string));
  const tensors = input.tensors.map((tensor, i) => {
    const decision = decisions[i] as (typeof decisions)[number];
    return { value: ops.scaleBy(tensor.value, decision.apply, decision.multiplier), rank: tensor.rank };
  });
  return { tensors, decisions };
}

/** core's "smallest scale": from 1, NaN once any scale is NaN. */
export function smallestScale(input: KindInput, scales: readonly string[]): string {
  const { ops } = input;
  return scales.reduce((smallest, scale) => {
    const min = ops.minIncludingNaN(scale);
    const nan = ops.or(ops.isNaN(smallest), ops.isNaN(min));
    return ops.where(nan, ops.double(Number.NaN), ops.node('Min', [smallest, min]));
  }, ops.double(1));
}

function anyOf(input: KindInput, flags: readonly string[]): string {
  const { ops } = input;
  return flags.reduce((any, flag) => ops.or(any, ops.any(flag)), ops.bool(false));
}

export function buildBlockRms(spec: ResolvedBlockRmsSpec, input: KindInput): KindResult {
  const { ops } = input;
  const thresholds = input.tensors.map((tensor) => {
    if (spec.threshold === Number.POSITIVE_INFINITY) return ops.double(spec.threshold);
    const size = ops.cast(ops.node('Size', [tensor.value]), ElementType.double);
    return ops.node('Mul', [ops.double(spec.threshold), ops.node('Sqrt', [size])]);
  });
  const clip = clipEachAt(input, tensorNorms(input), thresholds);
  return {
    tensors: clip.tensors,
    clipped: anyOf(
      input,
      clip.decisions.map((decision) => decision.apply),
    ),
    scale: smallestScale(
      input,
      clip.decisions.map((decision) => decision.scale),
    ),
    extra: { perTensorThresholds: ops.concatenate(thresholds) },
  };
}

export function buildSkipOnSpike(spec: ResolvedSkipOnSpikeSpec, input: KindInput): KindResult {
  const { ops } = input;
  const spike = ops.node('Not', [ops.node('LessOrEqual', [input.norm, ops.double(spec.maxNorm)])]);
  // A spike hands back the step's own input (not the 'zero' policy's copies).
  const chosen =
    input.tensors.length === 0
      ? []
      : ops.builder.choose(
          spike,
          input.original.map((tensor) => tensor.value),
          input.tensors.map((tensor) => tensor.value),
        );
  return {
    tensors: input.tensors.map((tensor, i) => ({ value: chosen[i] as string, rank: tensor.rank })),
    clipped: ops.and(ops.node('Not', [spike]), input.zeroed),
    scale: ops.double(1),
    skipped: spike,
    extra: { threshold: ops.double(spec.maxNorm) },
  };
}

export function buildLossScaled(spec: ResolvedLossScaledSpec, input: KindInput): KindResult {
  const { ops } = input;
  const norm = ops.node('Div', [input.norm, ops.double(spec.lossScale)]);
  const decision = ops.exactDecision(norm, ops.double(spec.maxNorm));
  const divisor = ops.float(Math.fround(spec.lossScale));
  // fround(fround(g / L) · s): unscale, then the clip's factor (1 when not clipped).
  const tensors = input.tensors.map((tensor) => ({
    value: ops.scaleBy(ops.node('Div', [tensor.value, divisor]), decision.apply, decision.multiplier),
    rank: tensor.rank,
  }));
  return {
    tensors,
    clipped: spec.lossScale === 1 ? decision.apply : ops.bool(true),
    scale: decision.scale,
    normBefore: norm,
    extra: { threshold: ops.double(spec.maxNorm) },
  };
}

export function buildAgc(spec: ResolvedAgcSpec, input: KindInput): KindResult {
  const { ops, context } = input;
  for (const [i, name] of spec.exclude.entries()) {
    if (!context.names.includes(name)) {
      throw new ClipError('INVALID_SPEC', `spec.exclude[${i}]: "${name}" names no tensor of the signature`, {
        field: `spec.exclude[${i}]`,
        value: name,
        expected: 'the name of a gradient in signature.inputs',
      });
    }
  }
  const scales: string[] = [];
  const applied: string[] = [];
  let parametersBad = ops.bool(false);
  const tensors = input.tensors.map((tensor, i) => {
    const name = context.names[i] as string;
    if (spec.exclude.includes(name)) return tensor;
    const shape = context.shapes[i] as readonly Dimension[];
    const axes = resolveAxes(spec.axes ?? unitAxes(shape as readonly number[], name), tensor.rank);
    const parameter = { value: context.parameter(i), rank: tensor.rank };
    parametersBad = ops.or(parametersBad, ops.any(ops.nonFinite(parameter.value)));
    // ‖W_i‖ rounded once to float32, then clipping · max(‖W_i‖, eps) in float64.
    const parameterNorm = ops.toDouble(
      ops.toFloat(ops.node('Sqrt', [ops.powerSum(parameter, 2, axes, null)])),
    );
    const threshold = ops.node('Mul', [
      ops.double(spec.clipping),
      ops.node('Max', [parameterNorm, ops.double(spec.eps)]),
    ]);
    const norm = ops.node('Sqrt', [ops.powerSum(tensor, 2, axes, null)]);
    const decision = ops.exactDecision(norm, threshold);
    scales.push(decision.scale);
    applied.push(decision.apply);
    return { value: ops.scaleBy(tensor.value, decision.apply, decision.multiplier), rank: tensor.rank };
  });
  return {
    tensors,
    clipped: anyOf(input, applied),
    scale: smallestScale(input, scales),
    failed: parametersBad,
  };
}

export function buildPerExample(spec: ResolvedPerExampleSpec, input: KindInput): KindResult {
  const { ops, context } = input;
  checkBatch(context.names, context.shapes);
  // Every axis but the batch axis is reduced: one power sum per example and tensor.
  const perTensor = input.tensors.map((tensor) =>
    ops.vector(
      ops.powerSum(
        tensor,
        spec.p,
        Array.from({ length: tensor.rank - 1 }, (_, axis) => axis + 1),
        null,
      ),
    ),
  );
  let total: string;
  if (spec.p === Number.POSITIVE_INFINITY) {
    total = perTensor.reduce((max, sums) => ops.maxElementwise(max, sums), ops.double(0));
  } else total = ops.sum(perTensor, ops.double(0));
  const norms = ops.normFromPowerSum(total, spec.p, null);
  const unsqueeze = (value: string, rank: number) =>
    rank <= 1
      ? value
      : ops.node('Unsqueeze', [value, ops.int64s(Array.from({ length: rank - 1 }, (_, axis) => axis + 1))]);
  const scaled = input.tensors.map((tensor) => ({
    value: decide(ops, unsqueeze(norms, tensor.rank), spec.maxNorm, spec.compat, 'perTensor').scaled(
      tensor.value,
    ),
    rank: tensor.rank,
  }));
  // The decisions per example ([B]), for the count and the smallest scale.
  const byExample = decide(ops, norms, spec.maxNorm, spec.compat, 'perTensor');
  // apply may be a scalar (keras always applies): broadcast it over the batch before counting.
  const zeros = ops.cast(ops.node('ConstantOfShape', [ops.node('Shape', [norms])]), ElementType.double);
  const clippedExamples = ops.reduce(
    'ReduceSum',
    ops.node('Add', [ops.cast(byExample.apply, ElementType.int64), ops.cast(zeros, ElementType.int64)]),
    null,
    false,
  );
  const exampleScales = ops.node('Add', [byExample.scale, ops.node('Mul', [zeros, ops.double(0)])]);
  const base = {
    clipped: spec.reduce === 'none' ? ops.node('Greater', [clippedExamples, ops.int64(0)]) : ops.bool(true),
    scale: input.tensors.length === 0 ? ops.double(1) : smallestScale(input, [exampleScales]),
    extra: { clippedExamples },
  };
  if (spec.reduce === 'none') return { ...base, tensors: scaled };
  const tensors = scaled.map((tensor) => {
    const sum = ops.reduce('ReduceSum', ops.toDouble(tensor.value), [0], false);
    if (spec.reduce === 'sum') return { value: ops.toFloat(sum), rank: tensor.rank - 1 };
    const batch = ops.cast(
      ops.node('Gather', [ops.node('Shape', [tensor.value]), ops.int64(0)]),
      ElementType.double,
    );
    return { value: ops.toFloat(ops.node('Div', [sum, batch])), rank: tensor.rank - 1 };
  });
  return { ...base, tensors, outputShapes: context.shapes.map((shape) => shape.slice(1)) };
}

/** core's batchSize rule, for the dimensions the signature fixes: rank ≥ 1, one batch size. */
function checkBatch(names: readonly string[], shapes: readonly (readonly Dimension[])[]): void {
  const sizes = shapes.map((shape) => shape[0]).filter((size) => typeof size === 'number');
  shapes.forEach((shape, i) => {
    const first = sizes[0];
    const size = shape[0];
    if (shape.length === 0 || (typeof size === 'number' && first !== undefined && size !== first)) {
      const name = names[i] as string;
      throw new ClipError(
        'SHAPE_MISMATCH',
        `${name}: shape [${shape.join(', ')}] has ${shape.length === 0 ? 'no batch axis' : `a batch of ${size}`}; perExample expects every tensor to hold the same batch along axis 0 (${first})`,
        { field: name, value: [...shape], expected: `a shape [${first ?? 'batch'}, …]` },
      );
    }
  });
}
