/**
 * Per-example clipping (DP-SGD): each tensor holds a batch along axis 0. An example's norm runs
 * across every tensor; each example is scaled by its own certified decision; then the examples are
 * summed or averaged over the batch (in float64, in batch order, rounded once — a definition every
 * backend shares, computed on the host) or kept.
 */
import type { TensorSummary } from '../backend.js';
import { decideScale, normFromPowerSum, type ScaleDecision } from '../clip-math.js';
import { ClipError } from '../errors.js';
import { call, type Steps } from '../kernel-steps.js';
import { ExactSum } from '../math/exact-sum.js';
import { certify, combinedBounds, type SumBounds } from '../math/sum-bounds.js';
import { sliceLayout } from '../slice-layout.js';
import type { ResolvedPerExampleSpec } from '../spec.js';
import { exactSliceSums, sameDecision } from './certified-decisions.js';
import { hostValues, scaleTensors } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { scaleRequest } from './scale-request.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

export function* runPerExample<T>(
  spec: ResolvedPerExampleSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const batch = batchSize(context);
  // Every axis but the batch axis is reduced: one slice per example.
  const layouts = context.shapes.map((shape, i) =>
    sliceLayout(
      shape,
      shape.slice(1).map((_, axis) => axis + 1),
      context.names[i] as string,
    ),
  );
  const screened = yield* screenedSummaries(spec, tensors, context, spec.p, layouts);
  if (screened.done) return screened.output;
  const input = screened.tensors;
  const { summaries } = screened;
  const decide = (sum: number): ScaleDecision =>
    decideScale(normFromPowerSum(sum, spec.p, 0), spec.maxNorm, spec.compat, 'perTensor');
  const decisions: ScaleDecision[] = [];
  const sums: number[] = [];
  let exact: ExactSum[][] | undefined;
  for (let example = 0; example < batch; example++) {
    const bounds = exampleBounds(summaries, example, spec.p);
    let decision = certify([bounds], ([sum]) => decide(sum as number), sameDecision);
    let sum = bounds.estimate;
    if (decision === undefined) {
      context.decisions.exactFallback++;
      exact ??= yield* exactSliceSums(context, input, spec.p as 1 | 2, layouts);
      const total = new ExactSum();
      for (const slices of exact) total.addAll((slices[example] as ExactSum).parts);
      sum = total.round();
      decision = decide(sum);
    } else context.decisions.certified++;
    decisions.push(decision);
    sums.push(sum);
  }
  const clippedExamples = decisions.filter((decision) => decision.apply).length;
  const scaled =
    clippedExamples === 0
      ? [...input]
      : yield* scaleTensors(
          context,
          input,
          layouts.map((layout) => scaleRequest(layout, decisions)),
        );
  const outputs = spec.reduce === 'none' ? scaled : yield* reduceBatch(context, scaled, spec.reduce, batch);
  let smallest = 1;
  let after = 0;
  decisions.forEach((decision, example) => {
    if (decision.scale < smallest || Number.isNaN(decision.scale)) smallest = decision.scale;
    const norm = normFromPowerSum(sums[example] as number, spec.p, 0);
    const normAfter = decision.apply ? norm * decision.scale : norm;
    after = spec.p === Number.POSITIVE_INFINITY ? Math.max(after, normAfter) : after + normAfter ** spec.p;
  });
  return {
    tensors: outputs,
    report: {
      kind: 'perExample',
      normBefore: normOfSummaries(summaries, spec.p),
      normAfter: spec.p === Number.POSITIVE_INFINITY ? after : after ** (1 / spec.p),
      scale: smallest,
      clipped: clippedExamples > 0 || spec.reduce !== 'none',
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      clippedExamples,
      examples: batch,
      ...perTensorNormsOf(context, summaries, spec.p),
    },
    ...(spec.reduce === 'none' ? {} : { shapes: context.shapes.map((shape) => shape.slice(1)) }),
  };
}

/** The batch size: axis 0 of every tensor, which must agree. */
function batchSize<T>(context: StrategyContext<T>): number {
  const first = context.shapes[0]?.[0];
  context.shapes.forEach((shape, i) => {
    if (shape.length === 0 || shape[0] !== first) {
      const name = context.names[i] as string;
      throw new ClipError(
        'SHAPE_MISMATCH',
        `${name}: shape [${shape.join(', ')}] has ${shape.length === 0 ? 'no batch axis' : `a batch of ${shape[0]}`}; perExample expects every tensor to hold the same batch along axis 0 (${first})`,
        { field: name, value: [...shape], expected: `a shape [${first}, …]` },
      );
    }
  });
  return first ?? 0;
}

/** Example `example`'s power sum across every tensor (max for ∞), with its bounds. */
function exampleBounds(summaries: readonly TensorSummary[], example: number, p: number): SumBounds {
  if (p === Number.POSITIVE_INFINITY) {
    let max = 0;
    for (const summary of summaries) {
      const sum = summary.sums[example] as number;
      max = Number.isNaN(sum) || Number.isNaN(max) ? Number.NaN : Math.max(max, sum);
    }
    return { estimate: max, low: max, high: max };
  }
  return combinedBounds(
    summaries.map((summary) => ({
      ...summary,
      sums: summary.sums.subarray(example, example + 1),
      maxAbs: summary.maxAbs.subarray(example, example + 1),
      ...(summary.sumErrors === undefined
        ? {}
        : { sumErrors: summary.sumErrors.subarray(example, example + 1) }),
    })),
  );
}

/**
 * The sum (or mean) over the batch axis: per element, the examples' float32 values added in float64
 * in batch order and rounded once (the mean divides that sum by the batch size first).
 */
function* reduceBatch<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  reduce: 'sum' | 'mean',
  batch: number,
): Steps<T[]> {
  const values = yield* hostValues(context, tensors);
  const outputs: T[] = [];
  for (const [i, host] of values.entries()) {
    const shape = (context.shapes[i] as readonly number[]).slice(1);
    const size = batch === 0 ? 0 : host.length / batch;
    const total = new Float64Array(size);
    for (let example = 0; example < batch; example++) {
      for (let k = 0; k < size; k++) total[k] = (total[k] as number) + (host[example * size + k] as number);
    }
    const result = Float32Array.from(total, (sum) => (reduce === 'mean' ? sum / batch : sum));
    const tensor = yield* call(() => context.backend.fromHost(result, shape));
    context.created.add(tensor);
    outputs.push(tensor);
  }
  return outputs;
}
