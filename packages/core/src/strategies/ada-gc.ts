/**
 * AdaGC (arXiv 2502.11034; defaults of the most used port, `kozistr/pytorch_optimizer` `adagc.py`).
 * Steps are counted from 1. During the first `warmup` steps all tensors are clipped jointly at
 * `absolute` (λ_abs, the exact global rule) and each tensor's γ_i is the smallest clipped norm seen
 * (the first step's on step 1). Afterwards each tensor is clipped by its own norm at
 * `relative · γ_i` (λ_rel) and γ_i ← β·γ_i + (1 − β)·‖ĝ_i‖.
 *
 * ‖ĝ_i‖, the clipped tensor's norm, is taken as `fround(‖g_i‖) · s_i` in float64, with s_i the
 * float32 scale actually applied (1 when unclipped): the value the reference measures, up to the
 * float32 rounding of each element, and bit-identical on every backend because both factors are
 * certified. The port counts warm-up as `step < warmup_steps` (its default 100 warms up for 99
 * steps); gradclip's `warmup` is the number of warm-up steps, so `warmup: 99` reproduces the port.
 */
import type { ScaleDecision } from '../clip-math.js';
import { ClipError } from '../errors.js';
import type { Steps } from '../kernel-steps.js';
import type { ResolvedAdaGcSpec } from '../spec.js';
import { certifiedFloat32Norms, isStateNorm } from './certified-norms.js';
import { wholeLayouts } from './kernel-calls.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import { screenedSummaries } from './screened-summaries.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';
import { clipEachAt, clipGlobalAt } from './threshold-clip.js';

/** AdaGC's state: per tensor (by name, in order), its EMA γ_i. */
export interface AdaGcMemory {
  /** Calls that ran (those a `nonFinite` policy ended excepted), whether or not their norms entered. */
  readonly step: number;
  /** The tensors γ belongs to; null before the first step. */
  readonly names: readonly string[] | null;
  readonly gammas: readonly number[] | null;
}

export const FRESH_ADA_GC: AdaGcMemory = { step: 0, names: null, gammas: null };

export function* runAdaGc<T>(
  spec: ResolvedAdaGcSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = wholeLayouts(context);
  const screened = yield* screenedSummaries(spec, tensors, context, 2, layouts);
  if (screened.done) return screened.output;
  const input = screened.tensors;
  const { summaries } = screened;
  const memory = (context.state.read(spec) as AdaGcMemory | undefined) ?? FRESH_ADA_GC;
  checkTensors(memory, context.names);
  const norms = yield* certifiedFloat32Norms(context, input, summaries, { p: 2, perTensor: true });
  const perTensor = norms.perTensor as readonly number[];
  const enters = isStateNorm(norms.global) && perTensor.every(isStateNorm);
  const base = {
    kind: 'adaGC' as const,
    nonFiniteCount: screened.nonFiniteCount,
    skipped: false,
    ...perTensorNormsOf(context, summaries, 2),
  };
  if (memory.step < spec.warmup || memory.gammas === null) {
    const clip = yield* clipGlobalAt(context, input, summaries, spec.absolute);
    if (enters) {
      const clippedNorms = perTensor.map((norm) => clippedNorm(norm, clip.decision));
      const gammas =
        memory.gammas === null
          ? clippedNorms
          : clippedNorms.map((norm, i) => Math.min(memory.gammas?.[i] as number, norm));
      context.state.write(spec, { step: memory.step + 1, names: [...context.names], gammas });
    } else {
      context.state.write(spec, { ...memory, step: memory.step + 1 });
    }
    return {
      tensors: clip.tensors,
      report: {
        ...base,
        normBefore: clip.norm,
        normAfter: clip.decision.apply ? clip.norm * clip.decision.scale : clip.norm,
        scale: clip.decision.scale,
        clipped: clip.decision.apply,
        threshold: spec.absolute,
      },
    };
  }
  const gammas = memory.gammas;
  const thresholds = gammas.map((gamma) => spec.relative * gamma);
  const clip = yield* clipEachAt(context, input, summaries, thresholds);
  if (enters) {
    const next = gammas.map(
      (gamma, i) =>
        spec.beta * gamma +
        (1 - spec.beta) * clippedNorm(perTensor[i] as number, clip.decisions[i] as ScaleDecision),
    );
    context.state.write(spec, { step: memory.step + 1, names: memory.names, gammas: next });
  } else {
    context.state.write(spec, { ...memory, step: memory.step + 1 });
  }
  let smallest = 1;
  for (const decision of clip.decisions)
    if (decision.scale < smallest || Number.isNaN(decision.scale)) smallest = decision.scale;
  return {
    tensors: clip.tensors,
    report: {
      ...base,
      normBefore: normOfSummaries(summaries, 2),
      normAfter: combinedL2(clip.normsAfter),
      scale: smallest,
      clipped: clip.decisions.some((decision) => decision.apply),
      perTensorThresholds: thresholds,
    },
  };
}

/** The clipped tensor's norm from its certified float32 norm and the float32 scale applied. */
function clippedNorm(norm: number, decision: ScaleDecision): number {
  return decision.apply ? norm * decision.scale : norm;
}

/** γ is per tensor: a call with other tensors than the state's is a mistake worth naming. */
function checkTensors(memory: AdaGcMemory, names: readonly string[]): void {
  const expected = memory.names;
  if (expected === null) return;
  if (expected.length === names.length && expected.every((name, i) => name === names[i])) return;
  const expectedText = `the ${expected.length} tensors the state was built on, in order (${describeNames(expected)})`;
  throw new ClipError(
    'INVALID_GRADIENTS',
    `gradients: got ${names.length} tensors (${describeNames(names)}), expected ${expectedText}; AdaGC keeps one threshold per tensor`,
    { field: 'gradients', value: [...names], expected: expectedText },
  );
}

function describeNames(names: readonly string[]): string {
  const shown = names.slice(0, 4).map((name) => JSON.stringify(name));
  return names.length > 4 ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** ‖(n_1, …, n_k)‖₂ in float64, scaled so that the squares stay in range. */
function combinedL2(norms: readonly number[]): number {
  let largest = 0;
  for (const norm of norms) largest = Math.max(largest, norm);
  if (!(largest > 0) || !Number.isFinite(largest)) return largest;
  let sum = 0;
  for (const norm of norms) sum += (norm / largest) ** 2;
  return largest * Math.sqrt(sum);
}
