/**
 * The backend's kernels as core calls them: each result checked against the contract (counts,
 * per-slice lengths, error bounds), every tensor core creates recorded for release.
 */
import type { ScaleRequest, TensorSummary } from '../backend.js';
import { ClipError } from '../errors.js';
import { call, type Steps } from '../kernel-steps.js';
import { summarizeValues } from '../reference/reference-kernels.js';
import { type SliceLayout, wholeTensorLayout } from '../slice-layout.js';
import type { StrategyContext } from './strategy-context.js';

/** Orders a backend's `summarize` computes; core computes every other order on the host. */
export function isKernelOrder(p: number): boolean {
  return p === 1 || p === 2 || p === Number.POSITIVE_INFINITY;
}

/**
 * Per tensor, its summary for order `p`: the backend's `summarize` for p = 1, 2, ∞ when it has one,
 * otherwise core's host summary (exact for p = 1, 2; the host definition, pre-scaled by
 * `2^-exponent`, for other orders).
 */
export function* summarize<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  p: number,
  layouts: readonly SliceLayout[],
  exponent = 0,
): Steps<readonly TensorSummary[]> {
  if (tensors.length === 0) return [];
  const { backend } = context;
  if (!isKernelOrder(p) || backend.summarize === undefined) {
    const values = yield* hostValues(context, tensors);
    return values.map((host, i) => summarizeValues(host, { p, layouts }, i, exponent));
  }
  const summarizeKernel = backend.summarize.bind(backend);
  const summaries = yield* call(() => summarizeKernel(tensors, { p, layouts }));
  expectCount(context, 'summarize', summaries.length, tensors.length);
  for (const [i, summary] of summaries.entries()) {
    checkSummary(context, summary, i, (layouts[i] as SliceLayout).sliceCount);
  }
  return summaries;
}

function checkSummary<T>(
  context: StrategyContext<T>,
  summary: TensorSummary,
  i: number,
  slices: number,
): void {
  const { sums, maxAbs, sumErrors } = summary;
  const lengths = [sums?.length, maxAbs?.length, ...(sumErrors === undefined ? [] : [sumErrors.length])];
  if (lengths.some((length) => length !== slices)) {
    throw contractError(
      context,
      `summarize returned ${sums?.length} sums, ${maxAbs?.length} maxima${sumErrors === undefined ? '' : ` and ${sumErrors.length} error bounds`} for tensor ${i}, expected ${slices} (one per slice)`,
    );
  }
  if (sumErrors === undefined) return;
  const bad = sumErrors.findIndex((error) => !(error >= 0));
  if (bad >= 0) {
    throw contractError(
      context,
      `summarize returned sumErrors[${bad}] = ${sumErrors[bad]} for tensor ${i}, expected a bound ≥ 0 (+Infinity for none)`,
    );
  }
}

/** Each tensor's values on the host (`toHost`, a copy). */
export function* hostValues<T>(context: StrategyContext<T>, tensors: readonly T[]): Steps<Float32Array[]> {
  const values: Float32Array[] = [];
  for (const tensor of tensors) {
    const host = yield* call(() => context.backend.toHost(tensor));
    if (!(host instanceof Float32Array)) {
      throw contractError(context, `toHost returned ${typeof host}, expected a Float32Array`);
    }
    values.push(host);
  }
  return values;
}

export function* scaleTensors<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  requests: readonly ScaleRequest[],
): Steps<T[]> {
  if (tensors.length === 0) return [];
  const outputs = yield* call(() => context.backend.scale(tensors, requests));
  return created(context, 'scale', outputs, tensors.length);
}

export function* clampTensors<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  min: number,
  max: number,
): Steps<T[]> {
  if (tensors.length === 0) return [];
  const outputs = yield* call(() => context.backend.clamp(tensors, { min, max }));
  return created(context, 'clamp', outputs, tensors.length);
}

export function* zeroNonFinite<T>(context: StrategyContext<T>, tensors: readonly T[]): Steps<T[]> {
  if (tensors.length === 0) return [];
  const outputs = yield* call(() => context.backend.zeroNonFinite(tensors));
  return created(context, 'zeroNonFinite', outputs, tensors.length);
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

function created<T>(context: StrategyContext<T>, kernel: string, outputs: T[], expected: number): T[] {
  expectCount(context, kernel, outputs.length, expected);
  for (const output of outputs) context.created.add(output);
  return outputs;
}

function expectCount<T>(context: StrategyContext<T>, kernel: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw contractError(context, `${kernel} returned ${actual} results for ${expected} tensors`);
  }
}

function contractError<T>(context: StrategyContext<T>, message: string): ClipError {
  return new ClipError('BACKEND_CONTRACT', `backend "${context.backend.id}": ${message}`);
}

/** One whole-tensor layout per tensor of the call. */
export function wholeLayouts<T>(context: StrategyContext<T>): SliceLayout[] {
  return context.shapes.map((shape) => wholeTensorLayout(shape));
}
