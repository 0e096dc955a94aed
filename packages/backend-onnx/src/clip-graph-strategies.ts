/**
 * A step of the exported clip graph: the non-finite policy around every kind, as core's
 * screened-summaries.ts and non-finite-policy.ts, then the kind itself (value, norm and global norm
 * in clip-graph-norms.ts, chains and groups in clip-graph-composites.ts, the other kinds through a
 * KindBuilder). Where core throws ('error') or returns early ('skip'), the graph raises a flag and
 * passes the step's input through.
 */
import type { ResolvedSpec } from '@gradclip/core';
import { buildChain, buildGroups, type StepRunner } from './clip-graph-composites.js';
import type { ClipGraphContext } from './clip-graph-context.js';
import { buildGlobalNorm, buildNorm, buildValue, globalNorm } from './clip-graph-norms.js';
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
  const runStep: StepRunner = (step, subset, sub) => buildStep(ops, step, subset, sub, kinds);
  if (spec.kind === 'chain') return buildChain(ops, spec.steps, tensors, context, runStep);
  if (spec.kind === 'groups') return buildGroups(ops, spec, tensors, context, runStep);
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
