import type { Steps } from '../kernel-steps.js';
import type { ClipReport } from '../report.js';
import type { ResolvedChainSpec, ResolvedSpec } from '../spec.js';
import { wholeLayouts } from './kernel-calls.js';
import { normOfSummaries } from './report-norms.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

/**
 * Steps applied in order; a skipped step skips the whole update. A step that changes the shapes
 * (perExample's batch sum) hands the next steps a context with the new shapes.
 */
export function* runChain<T>(
  spec: ResolvedChainSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
  runStep: (
    step: ResolvedSpec,
    tensors: readonly T[],
    context: StrategyContext<T>,
  ) => Steps<StrategyOutput<T>>,
): Steps<StrategyOutput<T>> {
  if (spec.steps.length === 0) return yield* emptyChain(spec, tensors, context);
  let current: readonly T[] = tensors;
  let stepContext = context;
  const steps: ClipReport[] = [];
  for (const step of spec.steps) {
    const output = yield* runStep(step, current, stepContext);
    steps.push(output.report);
    if (output.report.skipped) {
      // A skipped step skips the whole update: hand back the chain's own input.
      return { tensors: [...tensors], report: chainReport(steps, true) };
    }
    current = output.tensors;
    if (output.shapes !== undefined) stepContext = { ...stepContext, shapes: output.shapes };
  }
  return {
    tensors: [...current],
    report: chainReport(steps, false),
    ...(stepContext === context ? {} : { shapes: stepContext.shapes }),
  };
}

/** No steps: the identity, but the chain's own non-finite policy still applies. */
function* emptyChain<T>(
  spec: ResolvedChainSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const screened = yield* screenedSummaries(spec, tensors, context, 2, wholeLayouts(context));
  if (screened.done) return screened.output;
  const norm = normOfSummaries(screened.summaries, 2);
  return {
    tensors: [...screened.tensors],
    report: {
      kind: 'chain',
      normBefore: norm,
      normAfter: norm,
      scale: null,
      clipped: screened.tensors !== tensors,
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      steps: [],
    },
  };
}

function chainReport(steps: readonly ClipReport[], skipped: boolean): ClipReport {
  const first = steps[0] as ClipReport;
  const last = steps[steps.length - 1] as ClipReport;
  return {
    kind: 'chain',
    normBefore: first.normBefore,
    normAfter: skipped ? first.normBefore : last.normAfter,
    scale: null,
    clipped: !skipped && steps.some((step) => step.clipped),
    nonFiniteCount: first.nonFiniteCount,
    skipped,
    ...(first.perTensorNorms ? { perTensorNorms: first.perTensorNorms } : {}),
    steps,
  };
}
