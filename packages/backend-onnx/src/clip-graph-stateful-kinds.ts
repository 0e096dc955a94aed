/**
 * The stateful kinds as ONNX nodes: autoClip, zClip and adaGC read their state from `state/…`
 * inputs and write the next state to `nextState/…` outputs (see clip-graph-context.ts), with core's
 * arithmetic operation for operation (packages/core/src/strategies/auto-clip.ts, z-clip.ts,
 * ada-gc.ts). The norm that enters state is the graph's float32-rounded norm (core's is certified;
 * the graph's is not, see the README).
 */
import {
  ClipError,
  type ResolvedAdaGcSpec,
  type ResolvedAutoClipSpec,
  type ResolvedZClipSpec,
} from '@gradclip/core';
import { clipEachAt, smallestScale, tensorNorms } from './clip-graph-kinds.js';
import type { ClipGraphOps } from './clip-graph-ops.js';
import type { KindInput, KindResult } from './clip-graph-strategies.js';
import { ElementType } from './onnx-schema.js';

/** The graph unrolls zClip's warm-up statistics (one node group per norm): this many at most. */
export const MAX_EXPORTED_Z_CLIP_WARMUP = 1024;

/** The norm state reads: fround(n) in float64, and whether it may enter (finite). */
function stateNorm(ops: ClipGraphOps, norm: string): { value: string; enters: string } {
  const value = ops.toDouble(ops.toFloat(norm));
  return { value, enters: ops.node('Not', [ops.nonFinite(value)]) };
}

/** `[value]` when `keep`, else `[]` (a float64 vector of length 0 or 1). */
function kept(ops: ClipGraphOps, value: string, keep: string): string {
  const end = ops.vector(ops.cast(keep, ElementType.int64));
  return ops.node('Slice', [ops.vector(value), ops.int64s([0]), end]);
}

function concat(ops: ClipGraphOps, vectors: readonly string[]): string {
  return ops.node('Concat', [...vectors], { axis: 0 });
}

function emptyVector(ops: ClipGraphOps): string {
  return ops.builder.constant(ElementType.double, [], [0]);
}

/** `a < b ? a : b` (Math.min of two numbers that are not NaN). */
function smaller(ops: ClipGraphOps, a: string, b: string): string {
  return ops.where(ops.node('Less', [a, b]), a, b);
}

/** One double-typed `If` for values whose shapes may differ. */
function chooseVector(ops: ClipGraphOps, condition: string, then: string, otherwise: string): string {
  return ops.builder.choose(condition, [then], [otherwise], [ElementType.double])[0] as string;
}

function clipGlobalAt(input: KindInput, threshold: string): KindResult {
  const { ops } = input;
  const decision = ops.exactDecision(input.norm, threshold);
  return {
    tensors: input.tensors.map((tensor) => ({
      value: ops.scaleBy(tensor.value, decision.apply, decision.multiplier),
      rank: tensor.rank,
    })),
    clipped: decision.apply,
    scale: decision.scale,
    extra: { threshold },
  };
}

export function buildAutoClip(spec: ResolvedAutoClipSpec, input: KindInput): KindResult {
  const { ops, context } = input;
  const path = context.statePath;
  const step = context.state.read(`${path}step`, []);
  const history = context.state.read(`${path}history`, [`${path}history`]);
  const norm = stateNorm(ops, input.norm);
  let next = concat(ops, [history, kept(ops, norm.value, norm.enters)]);
  if (spec.window !== Number.POSITIVE_INFINITY) {
    next = ops.node('Slice', [next, ops.int64s([-spec.window]), ops.int64s([Number.MAX_SAFE_INTEGER])]);
  }
  context.state.write(`${path}step`, ops.node('Add', [step, ops.double(1)]), []);
  context.state.write(`${path}history`, next, [`${path}nextHistory`]);
  const count = ops.node('Size', [next]);
  const [sorted] = ops.builder.nodeOutputs('TopK', [next, ops.vector(count)], 2, {
    axis: 0,
    largest: 0,
    sorted: 1,
  });
  // numpy's linear percentile, as core's linearPercentile; two padding zeros keep every Gather in range.
  const padded = concat(ops, [sorted as string, ops.builder.constant(ElementType.double, [0, 0], [2])]);
  const n = ops.cast(count, ElementType.double);
  const last = ops.node('Sub', [n, ops.double(1)]);
  const position = ops.node('Mul', [last, ops.double(spec.percentile / 100)]);
  const floor = ops.node('Floor', [position]);
  const index = ops.cast(ops.node('Max', [floor, ops.double(0)]), ElementType.int64);
  const a = ops.node('Gather', [padded, index]);
  const b = ops.node('Gather', [padded, ops.node('Add', [index, ops.int64(1)])]);
  const t = ops.node('Sub', [position, floor]);
  const difference = ops.node('Sub', [b, a]);
  const interpolated = ops.where(
    ops.node('GreaterOrEqual', [t, ops.double(0.5)]),
    ops.node('Sub', [b, ops.node('Mul', [difference, ops.node('Sub', [ops.double(1), t])])]),
    ops.node('Add', [a, ops.node('Mul', [difference, t])]),
  );
  const lastIndex = ops.cast(ops.node('Max', [last, ops.double(0)]), ElementType.int64);
  const value = ops.where(
    ops.node('GreaterOrEqual', [position, last]),
    ops.node('Gather', [padded, lastIndex]),
    interpolated,
  );
  const threshold = ops.where(
    ops.node('Equal', [count, ops.int64(0)]),
    ops.double(Number.POSITIVE_INFINITY),
    value,
  );
  return clipGlobalAt(input, threshold);
}

export function buildZClip(spec: ResolvedZClipSpec, input: KindInput): KindResult {
  if (spec.warmup > MAX_EXPORTED_Z_CLIP_WARMUP) {
    const expected = `at most ${MAX_EXPORTED_Z_CLIP_WARMUP} to export (the graph unrolls the warm-up statistics)`;
    throw new ClipError('INVALID_SPEC', `spec.warmup: got ${spec.warmup}, expected ${expected}`, {
      field: 'spec.warmup',
      value: spec.warmup,
      expected,
    });
  }
  const { ops, context } = input;
  const path = context.statePath;
  const step = context.state.read(`${path}step`, []);
  const buffer = context.state.read(`${path}warmupNorms`, [`${path}warmupNorms`]);
  const mean = context.state.read(`${path}mean`, []);
  const variance = context.state.read(`${path}variance`, []);
  const norm = stateNorm(ops, input.norm);
  const nan = ops.double(Number.NaN);
  const warm = ops.isNaN(mean);

  // Warm-up: the norm joins the buffer; a full buffer gives the mean and population variance,
  // each from a correctly rounded sum (core's ExactSum; here a double-double, see accurateSum).
  const appended = concat(ops, [buffer, kept(ops, norm.value, norm.enters)]);
  const full = ops.node('GreaterOrEqual', [ops.node('Size', [appended]), ops.int64(spec.warmup)]);
  const zeros = ops.builder.constant(ElementType.double, new Array(spec.warmup).fill(0), [spec.warmup]);
  const padded = ops.node('Slice', [
    concat(ops, [appended, zeros]),
    ops.int64s([0]),
    ops.int64s([spec.warmup]),
  ]);
  const norms = Array.from({ length: spec.warmup }, (_, k) => ops.node('Gather', [padded, ops.int64(k)]));
  const count = ops.double(spec.warmup);
  const firstMean = ops.node('Div', [ops.accurateSum(norms), count]);
  const squares = norms.map((value) => {
    const difference = ops.node('Sub', [value, firstMean]);
    return ops.node('Mul', [difference, difference]);
  });
  const firstVariance = ops.node('Div', [ops.accurateSum(squares), count]);
  const warmBuffer = chooseVector(ops, full, emptyVector(ops), appended);

  // After warm-up: the z-score (or percentile) test, the threshold, the EMA update.
  const deviation = ops.node('Sqrt', [variance]);
  let spike: string;
  let clipValue: string;
  if (spec.mode === 'percentile') {
    clipValue = ops.node('Add', [mean, ops.node('Mul', [ops.double(spec.z), deviation])]);
    spike = ops.node('Greater', [norm.value, clipValue]);
  } else {
    const score = ops.node('Div', [
      ops.node('Sub', [norm.value, mean]),
      ops.node('Add', [deviation, ops.double(spec.eps)]),
    ]);
    spike = ops.node('Greater', [score, ops.double(spec.z)]);
    clipValue =
      spec.clipOption === 'mean'
        ? mean
        : ops.node('Mul', [
            ops.node('Add', [
              mean,
              ops.node('Div', [
                ops.node('Mul', [ops.double(spec.z), deviation]),
                ops.node('Div', [score, ops.double(spec.z)]),
              ]),
            ]),
            ops.double(spec.clipFactor),
          ]);
  }
  const maxNorm = ops.double(spec.maxNorm);
  // Math.min(clipValue, maxNorm), NaN kept.
  const capped = ops.where(ops.isNaN(clipValue), nan, smaller(ops, clipValue, maxNorm));
  const afterThreshold = ops.where(spike, capped, maxNorm);
  const updates = ops.and(
    norm.enters,
    spec.skipStatisticsOnSpike ? ops.node('Not', [spike]) : ops.bool(true),
  );
  const x = ops.where(spike, clipValue, norm.value);
  const nextMean = ops.node('Add', [
    ops.node('Mul', [ops.double(spec.alpha), mean]),
    ops.node('Mul', [ops.double(1 - spec.alpha), x]),
  ]);
  const difference = ops.node('Sub', [x, nextMean]);
  const nextVariance = ops.node('Add', [
    ops.node('Mul', [ops.double(spec.alpha), variance]),
    ops.node('Mul', [ops.double(1 - spec.alpha), ops.node('Mul', [difference, difference])]),
  ]);

  context.state.write(`${path}step`, ops.node('Add', [step, ops.double(1)]), []);
  context.state.write(`${path}warmupNorms`, chooseVector(ops, warm, warmBuffer, buffer), [
    `${path}nextWarmupNorms`,
  ]);
  context.state.write(
    `${path}mean`,
    ops.where(warm, ops.where(full, firstMean, nan), ops.where(updates, nextMean, mean)),
    [],
  );
  context.state.write(
    `${path}variance`,
    ops.where(warm, ops.where(full, firstVariance, nan), ops.where(updates, nextVariance, variance)),
    [],
  );
  return clipGlobalAt(input, ops.where(warm, maxNorm, afterThreshold));
}

export function buildAdaGc(spec: ResolvedAdaGcSpec, input: KindInput): KindResult {
  const { ops, context } = input;
  const path = context.statePath;
  const k = input.tensors.length;
  const step = context.state.read(`${path}step`, []);
  const gammas = context.state.read(`${path}gammas`, [k]);
  const norms = tensorNorms(input);
  const rounded = norms.map((norm) => ops.toDouble(ops.toFloat(norm)));
  const global = stateNorm(ops, input.norm);
  const enters = rounded.reduce(
    (all, norm) => ops.and(all, ops.node('Not', [ops.nonFinite(norm)])),
    global.enters,
  );
  const gamma = Array.from({ length: k }, (_, i) => ops.node('Gather', [gammas, ops.int64(i)]));
  // A state without γ (null in JSON) is NaN here.
  const hasGammas = k === 0 ? ops.bool(false) : ops.node('Not', [ops.isNaN(gamma[0] as string)]);
  const warm = ops.or(ops.node('Less', [step, ops.double(spec.warmup)]), ops.node('Not', [hasGammas]));

  // Warm-up: a global clip at `absolute`; γ_i the smallest clipped norm so far.
  const globalDecision = ops.exactDecision(input.norm, ops.double(spec.absolute));
  const warmGammas = rounded.map((norm, i) => {
    const clipped = ops.node('Mul', [norm, globalDecision.scale]);
    return ops.where(hasGammas, smaller(ops, gamma[i] as string, clipped), clipped);
  });
  // Afterwards: each tensor at relative · γ_i; γ_i ← β·γ_i + (1 − β)·‖ĝ_i‖.
  const thresholds = gamma.map((value) => ops.node('Mul', [ops.double(spec.relative), value]));
  const each = clipEachAt(input, norms, thresholds);
  const afterGammas = rounded.map((norm, i) =>
    ops.node('Add', [
      ops.node('Mul', [ops.double(spec.beta), gamma[i] as string]),
      ops.node('Mul', [
        ops.double(1 - spec.beta),
        ops.node('Mul', [norm, (each.decisions[i] as (typeof each.decisions)[number]).scale]),
      ]),
    ]),
  );
  const tensors = input.tensors.map((tensor, i) => {
    const decision = each.decisions[i] as (typeof each.decisions)[number];
    const apply = ops.whereBool(warm, globalDecision.apply, decision.apply);
    const multiplier = ops.where(warm, globalDecision.multiplier, decision.multiplier);
    return { value: ops.scaleBy(tensor.value, apply, multiplier), rank: tensor.rank };
  });
  const nextGammas = gamma.map((value, i) =>
    ops.where(enters, ops.where(warm, warmGammas[i] as string, afterGammas[i] as string), value),
  );
  context.state.write(`${path}step`, ops.node('Add', [step, ops.double(1)]), []);
  context.state.write(`${path}gammas`, ops.concatenate(nextGammas), [k]);
  const nan = ops.double(Number.NaN);
  const anyApplied = each.decisions.reduce((any, decision) => ops.or(any, decision.apply), ops.bool(false));
  return {
    tensors,
    clipped: ops.whereBool(warm, globalDecision.apply, anyApplied),
    scale: ops.where(
      warm,
      globalDecision.scale,
      smallestScale(
        input,
        each.decisions.map((decision) => decision.scale),
      ),
    ),
    extra: {
      threshold: ops.where(warm, ops.double(spec.absolute), nan),
      perTensorThresholds: ops.where(warm, nan, ops.concatenate(thresholds)),
    },
  };
}
