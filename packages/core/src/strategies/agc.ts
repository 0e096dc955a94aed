/**
 * Adaptive gradient clipping (Brock, De, Smith, Simonyan 2021; `deepmind-research/nfnets`
 * `agc_optax.py`, Optax `adaptive_grad_clip`). Per unit i (a slice over the unit axes):
 * `max_i = clipping · max(‖W_i‖, eps)`; a unit whose gradient norm ‖G_i‖ exceeds max_i is scaled
 * by `fround(max_i / ‖G_i‖)`, the others are unchanged bit for bit (the exact rule; the reference
 * divides by max(‖G_i‖, 1e-6) and triggers on `<`, which differ only at equality and below 1e-6).
 *
 * ‖W_i‖ is taken as the exact parameter norm rounded once to float32 — what the reference, which
 * computes in the parameters' float32, comes closest to — and certified from the backend's bounds
 * like every decision, so every backend derives the same thresholds and clips the same units.
 */
import type { TensorSummary } from '../backend.js';
import { decideScale, normFromPowerSum, type ScaleDecision } from '../clip-math.js';
import { ClipError } from '../errors.js';
import type { Steps } from '../kernel-steps.js';
import { type SliceLayout, sliceLayout, wholeTensorLayout } from '../slice-layout.js';
import type { ResolvedAgcSpec } from '../spec.js';
import { sameDecision } from './certified-decisions.js';
import { certifiedIndexedSliceDecisions } from './indexed-slice-decisions.js';
import { summarize } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { scaleWhereApplied } from './scale-request.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

export function* runAgc<T>(
  spec: ResolvedAgcSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const parameters = context.parameters;
  if (parameters === undefined) {
    const expected =
      'the parameters beside the gradients: clip(gradients, spec, { parameters }) or clipper.clip(gradients, { parameters })';
    throw new ClipError('INVALID_SPEC', `options.parameters: missing; an "agc" spec needs ${expected}`, {
      field: 'options.parameters',
      value: undefined,
      expected,
    });
  }
  for (const [i, name] of spec.exclude.entries()) {
    if (!context.names.includes(name)) {
      throw new ClipError(
        'INVALID_SPEC',
        `spec.exclude[${i}]: "${name}" names no tensor of this call (tensors: ${context.names.slice(0, 6).join(', ')}${context.names.length > 6 ? ', …' : ''})`,
        { field: `spec.exclude[${i}]`, value: name, expected: 'the name of a gradient tensor' },
      );
    }
  }
  const excluded = context.names.map((name) => spec.exclude.includes(name));
  const layouts = context.shapes.map((shape, i) =>
    excluded[i]
      ? wholeTensorLayout(shape)
      : sliceLayout(
          shape,
          spec.axes ?? unitAxes(shape, context.names[i] as string),
          context.names[i] as string,
        ),
  );
  const screened = yield* screenedSummaries(spec, tensors, context, 2, layouts);
  if (screened.done) return screened.output;
  const input = screened.tensors;
  const activeParameters = parameters.filter((_, i) => !excluded[i]);
  const activeLayouts = layouts.filter((_, i) => !excluded[i]);
  const parameterSummaries = yield* summarize(context, activeParameters, 2, activeLayouts);
  // Excluded tensors keep no decision: they are handed back as they are.
  const tensorDecisions: (readonly ScaleDecision[])[] = input.map(() => []);
  const sumsAfter: TensorSummary[] = [];
  let smallest = 1;
  let k = 0;
  for (let i = 0; i < input.length; i++) {
    const summary = screened.summaries[i] as TensorSummary;
    if (excluded[i]) {
      sumsAfter.push(summary);
      continue;
    }
    const layout = layouts[i] as SliceLayout;
    const parameterSummary = parameterSummaries[k] as TensorSummary;
    const parameter = activeParameters[k] as T;
    k++;
    if (parameterSummary.nonFiniteCount > 0) {
      const field = `parameters of "${context.names[i]}"`;
      throw new ClipError(
        'INVALID_GRADIENTS',
        `${field}: ${parameterSummary.nonFiniteCount} non-finite values, expected finite parameters (AGC's thresholds are ratios to their norms)`,
        {
          field,
          value: parameterSummary.nonFiniteCount,
          expected: 'finite parameters',
        },
      );
    }
    const { decisions: parameterNorms } = yield* certifiedIndexedSliceDecisions(
      context,
      parameter,
      parameterSummary,
      {
        layout,
        decide: (sum) => Math.fround(normFromPowerSum(sum, 2, 0)),
        same: Object.is,
      },
    );
    const thresholds = parameterNorms.map((norm) => spec.clipping * Math.max(norm, spec.eps));
    const { decisions, sums } = yield* certifiedIndexedSliceDecisions(context, input[i] as T, summary, {
      layout,
      decide: (sum, slice): ScaleDecision =>
        decideScale(normFromPowerSum(sum, 2, 0), thresholds[slice] as number, 'exact', 'perTensor'),
      same: sameDecision,
    });
    const after = new Float64Array(sums.length);
    decisions.forEach((decision, slice) => {
      if (decision.scale < smallest || Number.isNaN(decision.scale)) smallest = decision.scale;
      const sum = sums[slice] as number;
      after[slice] = decision.apply ? sum * decision.scale * decision.scale : sum;
    });
    const { sumErrors: _bounds, ...exact } = summary;
    sumsAfter.push({ ...exact, sums: after });
    tensorDecisions[i] = decisions;
  }
  const outputs = yield* scaleWhereApplied(context, input, layouts, tensorDecisions);
  return {
    tensors: outputs,
    report: {
      kind: 'agc',
      normBefore: normOfSummaries(screened.summaries, 2),
      normAfter: normOfSummaries(sumsAfter, 2),
      scale: smallest,
      clipped: tensorDecisions.some((decisions) => decisions.some((decision) => decision.apply)),
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      ...perTensorNormsOf(context, screened.summaries, 2),
    },
  };
}

/** The reference code's unit axes by rank (HWIO / IO layouts): the axes each unit's norm reduces. */
export function unitAxes(shape: readonly number[], name: string): readonly number[] | undefined {
  switch (shape.length) {
    case 0:
    case 1:
      return undefined;
    case 2:
    case 3:
      return [0];
    case 4:
      return [0, 1, 2];
    case 5:
      return [0, 1, 2, 3];
    default:
      throw new ClipError(
        'SHAPE_MISMATCH',
        `${name}: rank ${shape.length} has no default AGC unit axes; expected rank ≤ 5, or spec.axes naming the axes each unit's norm is taken over`,
        { field: name, value: [...shape], expected: 'rank ≤ 5, or spec.axes' },
      );
  }
}
