/**
 * The clip of the stateful strategies: a threshold computed in core (from state, in float64) then
 * the exact rule, global or per tensor, with every decision certified as for `globalNorm` and
 * `norm`. The threshold is the same float64 number on every backend, so the clip is too.
 */
import type { TensorSummary } from '../backend.js';
import { decideScale, normFromPowerSum, type ScaleDecision } from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import type { SliceLayout } from '../slice-layout.js';
import type { ResolvedAutoClipSpec, ResolvedZClipSpec } from '../spec.js';
import { certifiedGlobalDecision, certifiedSliceDecisions, sameDecision } from './certified-decisions.js';
import { certifiedFloat32Norms } from './certified-norms.js';
import { applyDecision } from './global-norm.js';
import { wholeLayouts } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { scaleWhereApplied } from './scale-request.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

/**
 * A kind with one global threshold from its state (autoClip, zClip): the non-finite policy, the
 * certified float32 L2 norm, one pure state step `advance(memory, norm)` giving the threshold and
 * the next state (written for the clipper to commit), then the clip at that threshold.
 */
export function* clipAtStateThreshold<T, M>(
  spec: ResolvedAutoClipSpec | ResolvedZClipSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
  fresh: M,
  advance: (memory: M, norm: number) => { readonly threshold: number; readonly next: M },
): Steps<StrategyOutput<T>> {
  const screened = yield* screenedSummaries(spec, tensors, context, 2, wholeLayouts(context));
  if (screened.done) return screened.output;
  const { global } = yield* certifiedFloat32Norms(context, screened.tensors, screened.summaries, {
    p: 2,
    perTensor: false,
  });
  const { threshold, next } = advance((context.state.read(spec) as M | undefined) ?? fresh, global);
  context.state.write(spec, next);
  const clip = yield* clipGlobalAt(context, screened.tensors, screened.summaries, threshold);
  return {
    tensors: clip.tensors,
    report: {
      kind: spec.kind,
      normBefore: clip.norm,
      normAfter: clip.decision.apply ? clip.norm * clip.decision.scale : clip.norm,
      scale: clip.decision.scale,
      clipped: clip.decision.apply,
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      threshold,
      ...perTensorNormsOf(context, screened.summaries, 2),
    },
  };
}

export interface GlobalClip<T> {
  readonly tensors: T[];
  readonly decision: ScaleDecision;
  /** The global L2 norm for the report (exact after a fallback, else the backend's estimate). */
  readonly norm: number;
}

/** All tensors clipped jointly at `threshold` (≥ 0 or +∞) by the L2 norm. */
export function* clipGlobalAt<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  summaries: readonly TensorSummary[],
  threshold: number,
): Steps<GlobalClip<T>> {
  const layouts = wholeLayouts(context);
  const { decision, sums, exact } = yield* certifiedGlobalDecision(context, tensors, summaries, {
    p: 2,
    layouts,
    perTensor: false,
    decide: (powerSums) =>
      decideScale(normFromPowerSum(powerSums[0] as number, 2, 0), threshold, 'exact', 'global'),
    same: sameDecision,
  });
  const norm = exact ? normFromPowerSum(sums[0] as number, 2, 0) : normOfSummaries(summaries, 2);
  return { tensors: yield* applyDecision(context, tensors, decision), decision, norm };
}

export interface PerTensorClip<T> {
  readonly tensors: T[];
  readonly decisions: readonly ScaleDecision[];
  /** Per tensor, its L2 norm times the applied scale (float64), for the report. */
  readonly normsAfter: readonly number[];
}

/** Each tensor clipped by its own L2 norm at its own threshold. */
export function* clipEachAt<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  summaries: readonly TensorSummary[],
  thresholds: readonly number[],
): Steps<PerTensorClip<T>> {
  const decisions: ScaleDecision[] = [];
  const normsAfter: number[] = [];
  const layouts = wholeLayouts(context);
  for (let i = 0; i < tensors.length; i++) {
    const layout = layouts[i] as SliceLayout;
    const threshold = thresholds[i] as number;
    const { decisions: slices, sums } = yield* certifiedSliceDecisions(
      context,
      tensors[i] as T,
      summaries[i] as TensorSummary,
      {
        p: 2,
        layout,
        decide: (sum) => decideScale(normFromPowerSum(sum, 2, 0), threshold, 'exact', 'perTensor'),
        same: sameDecision,
      },
    );
    const decision = slices[0] as ScaleDecision;
    decisions.push(decision);
    const norm = normFromPowerSum(sums[0] as number, 2, 0);
    normsAfter.push(decision.apply ? norm * decision.scale : norm);
  }
  const outputs = yield* scaleWhereApplied(
    context,
    tensors,
    layouts,
    decisions.map((decision) => [decision]),
  );
  return { tensors: outputs, decisions, normsAfter };
}
