/**
 * `summarize` on the wasm backend: float64 power sums, min and max from the SIMD summarize kernel
 * (1, 2 and ∞ over whole tensors), finished on the host in job order with the error bound of
 * sum-error-bound.ts; the oracle's own loops for slices and other orders.
 */
import type { SummaryRequest, TensorSummary } from '@gradclip/core/backend';
import { summarizeValues } from '@gradclip/core/reference';
import { combineSummaryRecords, JOB_BYTES, type Job, jobCount } from './job-list.js';
import type { KernelContext } from './kernel-context.js';
import { blockedSumErrorBound } from './sum-error-bound.js';
import type { WasmTensor } from './wasm-tensor.js';

export function summarizeTensors(
  context: KernelContext,
  tensors: readonly WasmTensor[],
  request: SummaryRequest,
): TensorSummary[] {
  const { p, layouts } = request;
  const mode = p === 2 ? 2 : p === 1 ? 1 : p === Number.POSITIVE_INFINITY ? 0 : -1;
  const clamped = context.clampSummaries.take();
  const results: TensorSummary[] = new Array(tensors.length);
  const fast: number[] = [];
  const jobs: Job[] = [];
  for (let i = 0; i < tensors.length; i++) {
    const tensor = tensors[i] as WasmTensor;
    const values = context.tensors.check(tensor, `tensors[${i}]`).values;
    const layout = layouts[i];
    if (layout === undefined) throw new Error(`summarize: no layout for tensor ${i}`);
    // The oracle's own loop (on the shared view, no copy; exact) for slices and other orders.
    if (mode < 0 || layout.sliceCount !== 1) {
      results[i] = summarizeValues(values, request, i);
      continue;
    }
    // Clip by value's second summary: the clamp kernel computed it while writing the values.
    const known = mode === 2 ? clamped?.get(tensor) : undefined;
    if (known !== undefined) {
      results[i] = known;
      continue;
    }
    fast.push(i);
    jobs.push({ source: values.byteOffset, destination: 0, length: values.length });
  }
  if (fast.length === 0) return results;
  const base = context.jobs.run({ kind: 'summarize', mode }, jobs, false);
  let index = 0;
  for (let k = 0; k < fast.length; k++) {
    const i = fast[k] as number;
    const values = (jobs[k] as Job).length;
    results[i] = jobSummary(context.jobs.view(), base, index, mode, (tensors[i] as WasmTensor).values);
    index += jobCount(values);
  }
  return results;
}

/** One tensor's summary from its jobs' records, `index` onwards (combined in job order). */
export function jobSummary(
  view: DataView,
  base: number,
  index: number,
  mode: number,
  values: Float32Array,
): TensorSummary {
  const length = values.length;
  const { min, max, sum } = combineSummaryRecords(view, base + index * JOB_BYTES, jobCount(length), mode);
  const hasNaN = Number.isNaN(sum);
  const maxAbs = hasNaN ? Number.NaN : length === 0 ? 0 : Math.max(Math.abs(min), Math.abs(max));
  const finite = mode === 0 ? Number.isFinite(maxAbs) : Number.isFinite(sum);
  const { nonFiniteCount, firstNonFiniteIndex } = finite ? NO_NON_FINITE : countNonFinite(values);
  const total = mode === 0 ? maxAbs : sum;
  return {
    sums: new Float64Array([total]),
    ...(mode === 0 ? {} : { sumErrors: new Float64Array([blockedSumErrorBound(total, length)]) }),
    maxAbs: new Float64Array([maxAbs]),
    minValue: min,
    maxValue: max,
    nonFiniteCount,
    firstNonFiniteIndex,
  };
}

const NO_NON_FINITE = { nonFiniteCount: 0, firstNonFiniteIndex: -1 } as const;

function countNonFinite(values: Float32Array): { nonFiniteCount: number; firstNonFiniteIndex: number } {
  let nonFiniteCount = 0;
  let firstNonFiniteIndex = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) {
      if (firstNonFiniteIndex < 0) firstNonFiniteIndex = i;
      nonFiniteCount++;
    }
  }
  return { nonFiniteCount, firstNonFiniteIndex };
}
