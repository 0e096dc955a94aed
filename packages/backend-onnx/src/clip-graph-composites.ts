/**
 * Chains and norm groups in the exported graph, as core's chain.ts and norm-groups.ts: each step or
 * group is built by `runStep` (the step builder, passed in so that the two files do not import each
 * other), and a skip anywhere hands back the whole input.
 */
import type { ResolvedNormGroupsSpec, ResolvedSpec } from '@gradclip/core';
import { assignGroups } from '@gradclip/core/backend';
import { type ClipGraphContext, subContext } from './clip-graph-context.js';
import type { ClipGraphOps, GraphTensor } from './clip-graph-ops.js';
import type { StepResult } from './clip-graph-strategies.js';
import type { Dimension } from './graph-builder.js';

/** Builds one step (or group) of a composite over a subset of the tensors. */
export type StepRunner = (
  step: ResolvedSpec,
  tensors: readonly GraphTensor[],
  context: ClipGraphContext,
) => StepResult;

/** A chain: each step on the previous one's outputs; a skipped or failed step hands back the input. */
export function buildChain(
  ops: ClipGraphOps,
  steps: readonly ResolvedSpec[],
  tensors: readonly GraphTensor[],
  context: ClipGraphContext,
  runStep: StepRunner,
): StepResult {
  // An empty chain reports like an identity step: count and norm of its input.
  const identity: ResolvedSpec = {
    kind: 'value',
    min: Number.NEGATIVE_INFINITY,
    max: Number.POSITIVE_INFINITY,
    nonFinite: 'propagate',
    compat: 'exact',
  };
  const first = steps.length === 0 ? runStep(identity, tensors, context) : undefined;
  let current = [...tensors];
  let clipped = ops.bool(false);
  let skipped = ops.bool(false);
  let nonFiniteError = ops.bool(false);
  const results: StepResult[] = [];
  let shapes = context.shapes;
  let reshaped = false;
  for (const [k, step] of steps.entries()) {
    const mark = context.state.writes.length;
    const result = runStep(step, current, {
      ...context,
      shapes,
      statePath: `${context.statePath}steps/${k}/`,
    });
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
export function buildGroups(
  ops: ClipGraphOps,
  spec: ResolvedNormGroupsSpec,
  tensors: readonly GraphTensor[],
  context: ClipGraphContext,
  runStep: StepRunner,
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
