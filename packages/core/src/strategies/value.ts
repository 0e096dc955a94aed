import type { TensorSummary } from '../backend.js';
import type { Steps } from '../kernel-steps.js';
import type { ResolvedValueSpec } from '../spec.js';
import { clampTensors, summarize, wholeLayouts } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

/** Clip by value: only tensors with a value outside [min, max] go through the kernel. */
export function* runValue<T>(
  spec: ResolvedValueSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = wholeLayouts(context);
  const screened = yield* screenedSummaries(spec, tensors, context, 2, layouts);
  if (screened.done) return screened.output;
  const { summaries, nonFiniteCount } = screened;
  const input = screened.tensors;
  const min = Math.fround(spec.min);
  const max = Math.fround(spec.max);
  const changed = summaries.map((summary) => summary.minValue < min || summary.maxValue > max);
  const clamped = yield* clampTensors(
    context,
    input.filter((_, i) => changed[i]),
    min,
    max,
  );
  const clampedSummaries = yield* summarize(
    context,
    clamped,
    2,
    layouts.filter((_, i) => changed[i]),
  );
  let next = 0;
  const outputs: T[] = [];
  const outputSummaries: TensorSummary[] = [];
  input.forEach((tensor, i) => {
    if (changed[i]) {
      outputs.push(clamped[next] as T);
      outputSummaries.push(clampedSummaries[next] as TensorSummary);
      next++;
    } else {
      outputs.push(tensor);
      outputSummaries.push(summaries[i] as TensorSummary);
    }
  });
  return {
    tensors: outputs,
    report: {
      kind: 'value',
      normBefore: normOfSummaries(summaries, 2),
      normAfter: normOfSummaries(outputSummaries, 2),
      scale: null,
      clipped: clamped.length > 0,
      nonFiniteCount,
      skipped: false,
      ...perTensorNormsOf(context, summaries, 2),
    },
  };
}
