/**
 * A step of the exported clip graph: the non-finite policy, the value, norm and global-norm
 * strategies, chains and groups as ONNX nodes, mirroring core's strategies/ and clip-math.ts with the
 * spec's constants baked in (the other kinds come in through a KindBuilder). Where core throws
 * ('error') or returns early ('skip'), the graph raises a flag and passes the step's input through.
 */
import type {
  ResolvedGlobalNormSpec,
  ResolvedNormGroupsSpec,
  ResolvedNormSpec,
  ResolvedSpec,
  ResolvedValueSpec,
} from '@gradclip/core';
import { assignGroups, normalizeAxes, PYTORCH_EPSILON } from '@gradclip/core/backend';
import { type ClipGraphContext, subContext } from './clip-graph-context.js';
import type { ClipGraphOps, GraphTensor } from './clip-graph-ops.js';
import type { Dimension } from './graph-builder.js';

export interface StepResult {
  readonly tensors: GraphTensor[];
  /** bool scalars */
  readonly clipped: string;
  readonly skipped: string;
  readonly nonFiniteError: string;
  /** int64 scalar: non-finite values in the step's input. */
  readonly nonFiniteCount: string;
  /** float64 scalar: the step's norm before clipping (L2 for value steps). */
  readonly normBefore: string;
  /** float64 scalar: the step's scale (smallest slice scale for norm; NaN where core reports null). */
  readonly scale: string;
  /** Report fields some kinds add (NaN, or 0 for counts, where core's report has none this call). */
  readonly extra?: ReportExtras;
  /** Per output, its declared shape where it is not the input's (`null`: known only when the graph runs). */
  readonly outputShapes?: readonly (readonly Dimension[] | null)[];
  /** The outputs' shapes when the step ran (not passed through), where they are not the input's. */
  readonly shapes?: readonly (readonly Dimension[])[];
}

export interface ReportExtras {
  /** float64 scalar */
  readonly threshold?: string;
  /** float64 vector, one per tensor */
  readonly perTensorThresholds?: string;
  /** int64 scalar */
  readonly clippedExamples?: string;
}

/** What a kind computes once the non-finite policy let the call go on. */
export interface KindResult {
  readonly tensors: GraphTensor[];
  readonly clipped: string;
  readonly scale: string;
  readonly normBefore?: string;
  /** bool scalar: the kind itself skipped the update (skipOnSpike). */
  readonly skipped?: string;
  /** bool scalar: where core throws for another reason than a non-finite gradient (agc's parameters). */
  readonly failed?: string;
  readonly extra?: ReportExtras;
  /** The outputs' shapes where the kind changes them (perExample's batch sum). */
  readonly outputShapes?: readonly (readonly Dimension[])[];
}

/** What a kind's builder gets: the screened tensors and their norm, and the call's facts. */
export interface KindInput {
  readonly ops: ClipGraphOps;
  readonly context: ClipGraphContext;
  /** The tensors after the policy (zeroed copies under 'zero'). */
  readonly tensors: readonly GraphTensor[];
  /** The step's own input, for kinds that hand it back (skipOnSpike). */
  readonly original: readonly GraphTensor[];
  /** float64 scalar: the global norm of the order the kind summarises (2 unless it has a `p`). */
  readonly norm: string;
  /** bool scalar: the 'zero' policy replaced something. */
  readonly zeroed: string;
  /** int64 scalars: non-finite values per tensor. */
  readonly counts: readonly string[];
}

/** Kinds whose builders live beside this file (blockRms … adaGC); registered by export-clip-graph. */
export type KindBuilder = (spec: ResolvedSpec, input: KindInput) => KindResult;

export function buildStep(
  ops: ClipGraphOps,
  spec: ResolvedSpec,
  tensors: readonly GraphTensor[],
  context: ClipGraphContext,
  kinds: KindBuilder,
): StepResult {
  if (spec.kind === 'chain') return buildChain(ops, spec.steps, tensors, context, kinds);
  if (spec.kind === 'groups') {
    return buildGroups(ops, spec, tensors, context, (step, subset, sub) =>
      buildStep(ops, step, subset, sub, kinds),
    );
  }
  const p = summaryOrder(spec);
  const masks = tensors.map((tensor) => ops.nonFinite(tensor.value));
  const counts = masks.map((mask) =>
    ops.reduce('ReduceSum', ops.node('Cast', [mask], { to: 7 }), null, false),
  );
  const count = ops.sum(counts, ops.int64(0));
  const hasBad = ops.node('Greater', [count, ops.int64(0)]);
  let input = [...tensors];
  if (spec.nonFinite === 'zero') {
    input = tensors.map((tensor, i) => ({
      value: ops.where(masks[i] as string, ops.float(0), tensor.value),
      rank: tensor.rank,
    }));
  }
  const global = globalNorm(ops, input, p, counts);
  const mark = context.state.writes.length;
  const core: KindResult =
    spec.kind === 'value'
      ? buildValue(ops, spec, input)
      : spec.kind === 'norm'
        ? buildNorm(ops, spec, input, counts)
        : spec.kind === 'globalNorm'
          ? buildGlobalNorm(ops, spec, input, global)
          : kinds(spec, {
              ops,
              context,
              tensors: input,
              original: tensors,
              norm: global.norm,
              zeroed: spec.nonFinite === 'zero' ? hasBad : ops.bool(false),
              counts,
            });
  const policyEnds = spec.nonFinite === 'error' || spec.nonFinite === 'skip' || spec.nonFinite === 'nanAll';
  // A call a policy ended runs no strategy: its state stays as it was.
  if (policyEnds) context.state.keepUnless(mark, ops.node('Not', [hasBad]));
  const no = ops.bool(false);
  const ended = policyEnds ? hasBad : no;
  // core checks agc's parameters only once the policy let the call go on.
  const failed = core.failed === undefined ? undefined : ops.and(ops.node('Not', [ended]), core.failed);
  if (failed !== undefined) context.state.keepUnless(mark, ops.node('Not', [failed]));
  const extra = policyExtras(ops, core.extra, ended);
  const coreSkipped = core.skipped ?? no;
  const base = {
    nonFiniteCount: count,
    normBefore: core.normBefore === undefined ? global.norm : ops.where(ended, global.norm, core.normBefore),
    nonFiniteError: no,
    skipped: ops.and(ops.node('Not', [ended]), coreSkipped),
    ...(extra === undefined ? {} : { extra }),
    ...(core.outputShapes === undefined
      ? {}
      : {
          // Policies that hand the input back keep its shape: then the shape is known only at run time.
          outputShapes: policyEnds ? core.outputShapes.map(() => null) : core.outputShapes,
          shapes: core.outputShapes,
        }),
  };
  switch (spec.nonFinite) {
    case 'propagate':
    case 'zero':
      return withFailure(ops, { ...base, ...fieldsOf(core) }, failed, tensors);
    case 'error':
    case 'skip': {
      const flag = spec.nonFinite === 'error' ? 'nonFiniteError' : 'skipped';
      const flagged = flag === 'skipped' ? ops.or(hasBad, coreSkipped) : hasBad;
      if (tensors.length === 0) return { ...base, ...fieldsOf(core), [flag]: flagged };
      const chosen = ops.builder.choose(
        hasBad,
        tensors.map((tensor) => tensor.value),
        core.tensors.map((tensor) => tensor.value),
      );
      return withFailure(
        ops,
        {
          ...base,
          [flag]: flagged,
          tensors: core.tensors.map((tensor, i) => ({ value: chosen[i] as string, rank: tensor.rank })),
          clipped: ops.and(ops.node('Not', [hasBad]), core.clipped),
          scale: ops.where(hasBad, ops.double(spec.kind === 'value' ? Number.NaN : 1), core.scale),
        },
        failed,
        tensors,
      );
    }
    default: {
      // 'nanAll'
      const nanTensors = tensors.map((tensor) => ops.node('Mul', [tensor.value, ops.float(Number.NaN)]));
      // Where the kind changes shapes (perExample's batch sum) the branches differ in shape: If.
      const chosen =
        core.outputShapes === undefined || tensors.length === 0
          ? core.tensors.map((tensor, i) => ops.where(hasBad, nanTensors[i] as string, tensor.value))
          : ops.builder.choose(
              hasBad,
              nanTensors,
              core.tensors.map((tensor) => tensor.value),
            );
      return withFailure(
        ops,
        {
          ...base,
          tensors: core.tensors.map((tensor, i) => ({ value: chosen[i] as string, rank: tensor.rank })),
          clipped: ops.or(hasBad, core.clipped),
          scale: ops.where(hasBad, ops.double(Number.NaN), core.scale),
        },
        failed,
        tensors,
      );
    }
  }
}

/** What a kind decides on its own: its tensors, clipped flag and scale (the rest goes through the policy). */
function fieldsOf(core: KindResult): Pick<StepResult, 'tensors' | 'clipped' | 'scale'> {
  return { tensors: core.tensors, clipped: core.clipped, scale: core.scale };
}

/** The order a kind's norms are summed in: its `p`, or 2. */
function summaryOrder(spec: ResolvedSpec): number {
  switch (spec.kind) {
    case 'norm':
    case 'globalNorm':
    case 'skipOnSpike':
    case 'lossScaled':
    case 'perExample':
      return spec.p;
    default:
      return 2;
  }
}

/** Report extras of a call a policy ended: core's report then has none (NaN, 0). */
function policyExtras(
  ops: ClipGraphOps,
  extra: ReportExtras | undefined,
  ended: string,
): ReportExtras | undefined {
  if (extra === undefined) return undefined;
  const nan = ops.double(Number.NaN);
  return {
    ...(extra.threshold === undefined ? {} : { threshold: ops.where(ended, nan, extra.threshold) }),
    ...(extra.perTensorThresholds === undefined
      ? {}
      : { perTensorThresholds: ops.where(ended, nan, extra.perTensorThresholds) }),
    ...(extra.clippedExamples === undefined
      ? {}
      : { clippedExamples: ops.where(ended, ops.int64(0), extra.clippedExamples) }),
  };
}

/**
 * Where core throws for another reason (agc's non-finite parameters), the graph raises
 * `nonFiniteError` and hands the input back, as for the 'error' policy.
 */
function withFailure(
  ops: ClipGraphOps,
  result: StepResult,
  failed: string | undefined,
  input: readonly GraphTensor[],
): StepResult {
  if (failed === undefined) return result;
  const chosen =
    input.length === 0
      ? []
      : ops.builder.choose(
          failed,
          input.map((tensor) => tensor.value),
          result.tensors.map((tensor) => tensor.value),
        );
  return {
    ...result,
    tensors: result.tensors.map((tensor, i) => ({ value: chosen[i] as string, rank: tensor.rank })),
    nonFiniteError: ops.or(result.nonFiniteError, failed),
    clipped: ops.and(ops.node('Not', [failed]), result.clipped),
  };
}

type CoreResult = Pick<KindResult, 'tensors' | 'clipped' | 'scale'>;

function buildValue(ops: ClipGraphOps, spec: ResolvedValueSpec, tensors: readonly GraphTensor[]): CoreResult {
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

function buildNorm(
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

export function minPropagatingNaN(ops: ClipGraphOps, values: readonly string[]): string {
  let min = ops.double(Number.POSITIVE_INFINITY);
  let nan = ops.bool(false);
  for (const value of values) {
    nan = ops.or(nan, ops.isNaN(value));
    min = ops.node('Min', [min, ops.where(ops.isNaN(value), ops.double(Number.POSITIVE_INFINITY), value)]);
  }
  return ops.where(nan, ops.double(Number.NaN), min);
}

/** The global norm of all tensors (core's partial norm, with its rescale for general p). */
function globalNorm(
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

function buildGlobalNorm(
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

function buildChain(
  ops: ClipGraphOps,
  steps: readonly ResolvedSpec[],
  tensors: readonly GraphTensor[],
  context: ClipGraphContext,
  kinds: KindBuilder,
): StepResult {
  // An empty chain reports like an identity step: count and norm of its input.
  const identity: ResolvedSpec = {
    kind: 'value',
    min: Number.NEGATIVE_INFINITY,
    max: Number.POSITIVE_INFINITY,
    nonFinite: 'propagate',
    compat: 'exact',
  };
  const first = steps.length === 0 ? buildStep(ops, identity, tensors, context, kinds) : undefined;
  let current = [...tensors];
  let clipped = ops.bool(false);
  let skipped = ops.bool(false);
  let nonFiniteError = ops.bool(false);
  const results: StepResult[] = [];
  let shapes = context.shapes;
  let reshaped = false;
  for (const [k, step] of steps.entries()) {
    const mark = context.state.writes.length;
    const result = buildStep(
      ops,
      step,
      current,
      { ...context, shapes, statePath: `${context.statePath}steps/${k}/` },
      kinds,
    );
    if (result.shapes !== undefined) {
      shapes = result.shapes;
      reshaped = true;
    }
    // Steps after a skipped one do not run in core: their state stays.
    context.state.keepUnless(mark, ops.node('Not', [ops.or(skipped, nonFiniteError)]));
    results.push(result);
    clipped = ops.or(clipped, result.clipped);
    skipped = ops.or(skipped, result.skipped);
    nonFiniteError = ops.or(nonFiniteError, result.nonFiniteError);
    current = result.tensors;
  }
  const head = results[0] ?? (first as StepResult);
  // A skipped (or failed) step hands back the chain's own input, as core does.
  const passThrough = ops.or(skipped, nonFiniteError);
  const chosen =
    current.length === 0 || steps.length === 0
      ? []
      : ops.builder.choose(
          passThrough,
          tensors.map((tensor) => tensor.value),
          current.map((tensor) => tensor.value),
        );
  return {
    tensors: current.map((tensor, i) => ({ value: chosen[i] ?? tensor.value, rank: tensor.rank })),
    clipped: ops.and(ops.node('Not', [passThrough]), clipped),
    skipped,
    nonFiniteError,
    nonFiniteCount: head.nonFiniteCount,
    normBefore: head.normBefore,
    scale: ops.double(Number.NaN),
    // A step changed shapes and a skip hands the input back: known only at run time.
    ...(reshaped ? { outputShapes: tensors.map(() => null) } : {}),
  };
}

/**
 * Norm groups: each group's spec over its own tensors (core's assignGroups), the rest by `rest`;
 * a skipped group hands back every tensor, and the groups after it do not run (nor count in the
 * report, nor change their state).
 */
function buildGroups(
  ops: ClipGraphOps,
  spec: ResolvedNormGroupsSpec,
  tensors: readonly GraphTensor[],
  context: ClipGraphContext,
  runStep: (step: ResolvedSpec, subset: readonly GraphTensor[], sub: ClipGraphContext) => StepResult,
): StepResult {
  const members = assignGroups(spec, context.names);
  const parts = spec.groups.map((group, g) => ({
    spec: group.spec,
    path: `groups/${g}/`,
    indices: members.flatMap((member, i) => (member === g ? [i] : [])),
  }));
  if (spec.rest !== undefined) {
    parts.push({ spec: spec.rest, path: 'rest/', indices: members.flatMap((m, i) => (m === -1 ? [i] : [])) });
  }
  const outputs = [...tensors];
  const outputShapes: (readonly Dimension[] | null)[] = [...context.shapes];
  let reshaped = false;
  let runs = ops.bool(true);
  let squares = ops.double(0);
  let count = ops.int64(0);
  let clipped = ops.bool(false);
  let skipped = ops.bool(false);
  let nonFiniteError = ops.bool(false);
  for (const part of parts) {
    const mark = context.state.writes.length;
    const result = runStep(
      part.spec,
      part.indices.map((i) => tensors[i] as GraphTensor),
      subContext(context, part.indices, part.path),
    );
    context.state.keepUnless(mark, runs);
    // core combines the groups' norms as √Σn², in order, over the groups that ran.
    const square = ops.node('Mul', [result.normBefore, result.normBefore]);
    squares = ops.node('Add', [squares, ops.where(runs, square, ops.double(0))]);
    count = ops.node('Add', [count, ops.where(runs, result.nonFiniteCount, ops.int64(0))]);
    clipped = ops.or(clipped, ops.and(runs, result.clipped));
    skipped = ops.or(skipped, ops.and(runs, result.skipped));
    nonFiniteError = ops.or(nonFiniteError, ops.and(runs, result.nonFiniteError));
    runs = ops.and(runs, ops.node('Not', [ops.or(result.skipped, result.nonFiniteError)]));
    part.indices.forEach((i, k) => {
      outputs[i] = result.tensors[k] as GraphTensor;
      if (result.shapes !== undefined) {
        outputShapes[i] = null;
        reshaped = true;
      }
    });
  }
  const passThrough = ops.or(skipped, nonFiniteError);
  const chosen =
    tensors.length === 0
      ? []
      : ops.builder.choose(
          passThrough,
          tensors.map((tensor) => tensor.value),
          outputs.map((tensor) => tensor.value),
        );
  return {
    tensors: outputs.map((tensor, i) => ({ value: chosen[i] as string, rank: tensor.rank })),
    clipped: ops.and(ops.node('Not', [passThrough]), clipped),
    skipped,
    nonFiniteError,
    nonFiniteCount: count,
    normBefore: ops.node('Sqrt', [squares]),
    scale: ops.double(Number.NaN),
    ...(reshaped ? { outputShapes } : {}),
  };
}
