/**
 * Composes every strategy of the contract from a backend's kernels. The rules (policies, thresholds,
 * compat formulas) are applied here and in clip-math.ts only; backends do arithmetic.
 */
import type { ClipBackend, ScaleRequest, TensorSummary } from './backend.js';
import {
  decideScale,
  normFromPowerSum,
  powerSumNeedsRescale,
  pytorchTotalNorm,
  rescaleExponent,
  type ScaleDecision,
} from './clip-math.js';
import { ClipError } from './errors.js';
import { call, type Steps } from './kernel-steps.js';
import {
  combinePartialNorms,
  maxPropagatingNaN,
  normOfPartial,
  type PartialNorm,
  partialFromSummaries,
  partialNeedsRescale,
  rescaleExponentOf,
} from './partial-norm.js';
import type { ClipReport } from './report.js';
import { multiIndex, type SliceLayout, sliceLayout, wholeTensorLayout } from './slice-layout.js';
import type {
  ResolvedChainSpec,
  ResolvedGlobalNormSpec,
  ResolvedNormSpec,
  ResolvedSpec,
  ResolvedValueSpec,
} from './spec.js';

export interface StrategyContext<T> {
  readonly backend: ClipBackend<T>;
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  /** Tensors core created during this call; whatever is not returned is released at the end. */
  readonly created: Set<T>;
  readonly perTensorNorms: boolean;
}

export interface StrategyOutput<T> {
  readonly tensors: T[];
  readonly report: ClipReport;
}

export function* runStrategy<T>(
  spec: ResolvedSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  switch (spec.kind) {
    case 'value':
      return yield* runValue(spec, tensors, context);
    case 'norm':
      return yield* runNorm(spec, tensors, context);
    case 'globalNorm':
      return yield* runGlobalNorm(spec, tensors, context);
    case 'chain':
      return yield* runChain(spec, tensors, context);
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel calls with contract checks

export function* summarize<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  p: number,
  layouts: readonly SliceLayout[],
  exponent = 0,
): Steps<readonly TensorSummary[]> {
  if (tensors.length === 0) return [];
  const summaries = yield* call(() => context.backend.summarize(tensors, { p, layouts, exponent }));
  expectCount('summarize', summaries.length, tensors.length, context);
  summaries.forEach((summary, i) => {
    const expected = (layouts[i] as SliceLayout).sliceCount;
    if (summary.sums.length !== expected || summary.maxAbs.length !== expected) {
      throw new ClipError(
        'BACKEND_CONTRACT',
        `backend "${context.backend.id}": summarize returned ${summary.sums.length} sums for tensor ${i}, expected ${expected} (one per slice)`,
      );
    }
  });
  return summaries;
}

/** The `nanAll` policy's output: every element of every tensor NaN (a multiply by NaN). */
export function* allNaN<T>(context: StrategyContext<T>, tensors: readonly T[]): Steps<T[]> {
  const requests = tensors.map((_, i) => ({
    layout: wholeTensorLayout(context.shapes[i] as readonly number[]),
    order: 'multiply' as const,
    multipliers: new Float32Array([Number.NaN]),
  }));
  return yield* scaleTensors(context, tensors, requests);
}

function* scaleTensors<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  requests: readonly ScaleRequest[],
): Steps<T[]> {
  if (tensors.length === 0) return [];
  const outputs = yield* call(() => context.backend.scale(tensors, requests));
  expectCount('scale', outputs.length, tensors.length, context);
  for (const output of outputs) context.created.add(output);
  return outputs;
}

function expectCount<T>(kernel: string, actual: number, expected: number, context: StrategyContext<T>): void {
  if (actual !== expected) {
    throw new ClipError(
      'BACKEND_CONTRACT',
      `backend "${context.backend.id}": ${kernel} returned ${actual} results for ${expected} tensors`,
    );
  }
}

function wholeLayouts<T>(context: StrategyContext<T>): SliceLayout[] {
  return context.shapes.map((shape) => wholeTensorLayout(shape));
}

// ---------------------------------------------------------------------------------------------
// Non-finite policies, applied once before any strategy

type Screened<T> =
  | {
      readonly done: false;
      readonly tensors: readonly T[];
      readonly summaries: readonly TensorSummary[];
      readonly nonFiniteCount: number;
    }
  | { readonly done: true; readonly output: StrategyOutput<T> };

function* screen<T>(
  spec: ResolvedValueSpec | ResolvedNormSpec | ResolvedGlobalNormSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
  p: number,
  layouts: readonly SliceLayout[],
): Steps<Screened<T>> {
  const summaries = yield* summarize(context, tensors, p, layouts);
  const nonFiniteCount = summaries.reduce((total, summary) => total + summary.nonFiniteCount, 0);
  if (nonFiniteCount === 0 || spec.nonFinite === 'propagate') {
    return { done: false, tensors, summaries, nonFiniteCount };
  }
  const normBefore = normOfPartial(partialFromSummaries(summaries, p, 0));
  const base = {
    kind: spec.kind,
    normBefore,
    nonFiniteCount,
    ...perTensorNormsOf(summaries, p, context),
  } as const;
  switch (spec.nonFinite) {
    case 'error':
      throw yield* nonFiniteError(summaries, tensors, context);
    case 'skip':
      return {
        done: true,
        output: {
          tensors: [...tensors],
          report: {
            ...base,
            normAfter: normBefore,
            scale: spec.kind === 'value' ? null : 1,
            clipped: false,
            skipped: true,
          },
        },
      };
    case 'nanAll': {
      const outputs = yield* allNaN(context, tensors);
      return {
        done: true,
        output: {
          tensors: outputs,
          report: {
            ...base,
            normAfter: Number.NaN,
            scale: spec.kind === 'value' ? null : Number.NaN,
            clipped: true,
            skipped: false,
          },
        },
      };
    }
    case 'zero': {
      const zeroed = yield* call(() => context.backend.zeroNonFinite(tensors));
      expectCount('zeroNonFinite', zeroed.length, tensors.length, context);
      for (const tensor of zeroed) context.created.add(tensor);
      const zeroedSummaries = yield* summarize(context, zeroed, p, layouts);
      return { done: false, tensors: zeroed, summaries: zeroedSummaries, nonFiniteCount };
    }
  }
}

function* nonFiniteError<T>(
  summaries: readonly TensorSummary[],
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<ClipError> {
  const i = summaries.findIndex((summary) => summary.nonFiniteCount > 0);
  const summary = summaries[i] as TensorSummary;
  const name = context.names[i] as string;
  const shape = context.shapes[i] as readonly number[];
  const index = summary.firstNonFiniteIndex;
  // Error path only: fetch the offending value so the message can say which it is.
  const host = yield* call(() => context.backend.toHost(tensors[i] as T));
  const value = host[index];
  const where =
    shape.length > 1
      ? ` (index [${multiIndex(shape, index).join(', ')}] of shape [${shape.join(', ')}])`
      : '';
  const total = summaries.reduce((sum, s) => sum + s.nonFiniteCount, 0);
  return new ClipError(
    'NON_FINITE_GRADIENT',
    `${name}[${index}]${where} is ${value}; ${total} non-finite value${total === 1 ? '' : 's'} in all. ` +
      'The spec\'s nonFinite policy is "error"; expected finite gradients (or choose "propagate", "nanAll", "skip" or "zero")',
    { field: name, value, expected: 'finite gradients', tensor: name, index },
  );
}

function perTensorNormsOf<T>(
  summaries: readonly TensorSummary[],
  p: number,
  context: StrategyContext<T>,
  exponents?: readonly number[],
): { perTensorNorms?: readonly number[] } {
  if (!context.perTensorNorms) return {};
  return {
    perTensorNorms: summaries.map((summary, i) =>
      normOfPartial(partialFromSummaries([summary], p, exponents?.[i] ?? 0)),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// value

function* runValue<T>(
  spec: ResolvedValueSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = wholeLayouts(context);
  const screened = yield* screen(spec, tensors, context, 2, layouts);
  if (screened.done) return screened.output;
  const { summaries, nonFiniteCount } = screened;
  const input = screened.tensors;
  const min = Math.fround(spec.min);
  const max = Math.fround(spec.max);
  // Only tensors with a value outside [min, max] go through the kernel; the rest are returned as is.
  const changed = summaries.map((summary) => summary.minValue < min || summary.maxValue > max);
  const toClamp = input.filter((_, i) => changed[i]);
  let clamped: T[] = [];
  if (toClamp.length > 0) {
    clamped = yield* call(() => context.backend.clamp(toClamp, { min, max }));
    expectCount('clamp', clamped.length, toClamp.length, context);
    for (const tensor of clamped) context.created.add(tensor);
  }
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
      normBefore: normOfPartial(partialFromSummaries(summaries, 2, 0)),
      normAfter: normOfPartial(partialFromSummaries(outputSummaries, 2, 0)),
      scale: null,
      clipped: toClamp.length > 0,
      nonFiniteCount,
      skipped: false,
      ...perTensorNormsOf(summaries, 2, context),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// globalNorm (also the two-phase API: partial norm → combine → clipWithNorm)

/** Σ|g|^p over all tensors as a partial norm, recomputed pre-scaled if float64 lost its range. */
export function* partialNormOf<T>(
  tensors: readonly T[],
  summaries: readonly TensorSummary[],
  p: number,
  context: StrategyContext<T>,
): Steps<{ partial: PartialNorm; summaries: readonly TensorSummary[] }> {
  const partial = partialFromSummaries(summaries, p, 0);
  if (!partialNeedsRescale(partial)) return { partial, summaries };
  const exponent = rescaleExponentOf(partial);
  const rescaled = yield* summarize(context, tensors, p, wholeLayouts(context), exponent);
  return { partial: partialFromSummaries(rescaled, p, exponent), summaries: rescaled };
}

function* runGlobalNorm<T>(
  spec: ResolvedGlobalNormSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const screened = yield* screen(spec, tensors, context, spec.p, wholeLayouts(context));
  if (screened.done) return screened.output;
  const { partial, summaries } = yield* partialNormOf(screened.tensors, screened.summaries, spec.p, context);
  const exponents = summaries.map(() => partial.exponent);
  // PyTorch decides on the norm of its float32 per-tensor norms; the report keeps the exact norm.
  const decisionNorm =
    spec.compat === 'pytorch'
      ? pytorchTotalNorm(
          summaries.map((summary) =>
            normOfPartial(partialFromSummaries([summary], spec.p, partial.exponent)),
          ),
          spec.p,
        )
      : undefined;
  const output = yield* applyGlobalScale(
    spec,
    screened.tensors,
    combinePartialNorms([partial]),
    context,
    decisionNorm,
  );
  const exactNorm = normOfPartial(partial);
  return {
    tensors: output.tensors,
    report: {
      ...output.report,
      normBefore: exactNorm,
      normAfter: output.report.clipped ? exactNorm * (output.report.scale as number) : exactNorm,
      nonFiniteCount: screened.nonFiniteCount,
      ...perTensorNormsOf(summaries, spec.p, context, exponents),
    },
  };
}

/** Scales every tensor by the decision for the global norm `total`. */
export function* applyGlobalScale<T>(
  spec: ResolvedGlobalNormSpec,
  tensors: readonly T[],
  total: PartialNorm,
  context: StrategyContext<T>,
  decisionNorm?: number,
): Steps<StrategyOutput<T>> {
  const norm = decisionNorm ?? normOfPartial(total);
  const decision = decideScale(norm, spec.maxNorm, spec.compat, 'global');
  let outputs = [...tensors];
  if (decision.apply) {
    const requests = tensors.map((_, i) =>
      scaleRequest(wholeTensorLayout(context.shapes[i] as readonly number[]), [decision]),
    );
    outputs = yield* scaleTensors(context, tensors, requests);
  }
  return {
    tensors: outputs,
    report: {
      kind: 'globalNorm',
      normBefore: norm,
      normAfter: decision.apply ? norm * decision.scale : norm,
      scale: decision.scale,
      clipped: decision.apply,
      nonFiniteCount: total.nonFiniteCount,
      skipped: false,
    },
  };
}

function scaleRequest(layout: SliceLayout, decisions: readonly ScaleDecision[]): ScaleRequest {
  const applied = decisions.find((decision) => decision.apply);
  const order = applied?.apply ? applied.order : 'multiply';
  const multipliers = new Float32Array(decisions.length);
  const divisors = new Float32Array(decisions.length);
  decisions.forEach((decision, slice) => {
    if (decision.apply && decision.order !== order) {
      throw new Error(`internal: slices of one tensor scaled in two orders (${order}, ${decision.order})`);
    }
    // An identity slice is ×1 (and ÷1), which leaves every float32 unchanged.
    multipliers[slice] = decision.apply ? decision.multiplier : 1;
    divisors[slice] = decision.apply ? decision.divisor : 1;
  });
  return order === 'multiply' ? { layout, order, multipliers } : { layout, order, multipliers, divisors };
}

// ---------------------------------------------------------------------------------------------
// norm (per tensor, or per slice with axes)

function* runNorm<T>(
  spec: ResolvedNormSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  const layouts = context.shapes.map((shape, i) => sliceLayout(shape, spec.axes, context.names[i] as string));
  const screened = yield* screen(spec, tensors, context, spec.p, layouts);
  if (screened.done) return screened.output;
  const input = screened.tensors;
  const summaries = [...screened.summaries];
  const exponents = summaries.map(() => 0);
  // A tensor whose float64 power sums lost their range is summarised again, pre-scaled.
  for (let i = 0; i < summaries.length; i++) {
    const summary = summaries[i] as TensorSummary;
    let maxAbs = 0;
    let rescale = false;
    for (let slice = 0; slice < summary.sums.length; slice++) {
      const sliceMax = summary.maxAbs[slice] as number;
      maxAbs = maxPropagatingNaN(maxAbs, sliceMax);
      if (powerSumNeedsRescale(summary.sums[slice] as number, sliceMax, spec.p)) rescale = true;
    }
    if (rescale && summary.nonFiniteCount === 0) {
      exponents[i] = rescaleExponent(maxAbs);
      const [again] = yield* summarize(
        context,
        [input[i] as T],
        spec.p,
        [layouts[i] as SliceLayout],
        exponents[i],
      );
      summaries[i] = again as TensorSummary;
    }
  }

  const toScale: T[] = [];
  const requests: ScaleRequest[] = [];
  const scaledIndex: number[] = [];
  let smallestScale = 1;
  const normsAfter: PartialNorm[] = [];
  summaries.forEach((summary, i) => {
    const decisions: ScaleDecision[] = [];
    const after = new Float64Array(summary.sums.length);
    for (let slice = 0; slice < summary.sums.length; slice++) {
      const norm = normFromPowerSum(summary.sums[slice] as number, spec.p, exponents[i] as number);
      const decision = decideScale(norm, spec.maxNorm, spec.compat, 'perTensor');
      decisions.push(decision);
      if (decision.scale < smallestScale || Number.isNaN(decision.scale)) smallestScale = decision.scale;
      const normAfter = decision.apply ? norm * decision.scale : norm;
      after[slice] = spec.p === Number.POSITIVE_INFINITY ? normAfter : normAfter ** spec.p;
    }
    normsAfter.push(
      partialFromSummaries([{ ...summary, sums: after, maxAbs: after.map(Math.abs) }], spec.p, 0),
    );
    if (decisions.some((decision) => decision.apply)) {
      toScale.push(input[i] as T);
      requests.push(scaleRequest(layouts[i] as SliceLayout, decisions));
      scaledIndex.push(i);
    }
  });
  const scaled = yield* scaleTensors(context, toScale, requests);
  const outputs = [...input];
  scaledIndex.forEach((i, k) => {
    outputs[i] = scaled[k] as T;
  });
  const partials = summaries.map((summary, i) =>
    partialFromSummaries([summary], spec.p, exponents[i] as number),
  );
  const normBefore = partials.length === 0 ? 0 : normOfPartial(combinePartialNorms(partials));
  const normAfter = normsAfter.length === 0 ? 0 : normOfPartial(combinePartialNorms(normsAfter));
  return {
    tensors: outputs,
    report: {
      kind: 'norm',
      normBefore,
      normAfter,
      scale: smallestScale,
      clipped: toScale.length > 0,
      nonFiniteCount: screened.nonFiniteCount,
      skipped: false,
      ...(context.perTensorNorms ? { perTensorNorms: partials.map(normOfPartial) } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// chain

function* runChain<T>(
  spec: ResolvedChainSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  let current: readonly T[] = tensors;
  const steps: ClipReport[] = [];
  for (const step of spec.steps) {
    const output = yield* runStrategy(step, current, context);
    steps.push(output.report);
    if (output.report.skipped) {
      // A skipped step skips the whole update: hand back the chain's own input.
      return { tensors: [...tensors], report: chainReport(steps, true) };
    }
    current = output.tensors;
  }
  if (steps.length === 0) {
    const summaries = yield* summarize(context, tensors, 2, wholeLayouts(context));
    const norm = normOfPartial(partialFromSummaries(summaries, 2, 0));
    const nonFiniteCount = summaries.reduce((total, summary) => total + summary.nonFiniteCount, 0);
    return {
      tensors: [...tensors],
      report: {
        kind: 'chain',
        normBefore: norm,
        normAfter: norm,
        scale: null,
        clipped: false,
        nonFiniteCount,
        skipped: false,
        steps,
      },
    };
  }
  return { tensors: [...current], report: chainReport(steps, false) };
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
