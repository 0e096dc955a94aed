/**
 * `summarize` on ONNX Runtime: one graph per batch gives each tensor's float64 power sums (whole
 * tensors as `[rows, columns]` views whose row sums are added here in a fixed order, with a stated
 * bound), min, max and max |g|; tensors that hold NaN or ±∞ are inspected by a second graph for
 * their non-finite count and first index.
 */
import { ClipError } from '@gradclip/core';
import {
  float64SumErrorBound,
  type SliceLayout,
  type SummaryRequest,
  type TensorSummary,
} from '@gradclip/core/backend';
import { summarizeValues } from '@gradclip/core/reference';
import { dataOf, formOf, type GraphRunner, layoutAt, outputData, outputValue } from './graph-runner.js';
import type { PowerKind, TensorForm } from './kernel-graphs.js';
import type { OrtTensor } from './ort-module.js';

export async function summarizeTensors(
  runner: GraphRunner,
  tensors: readonly OrtTensor[],
  request: SummaryRequest,
): Promise<TensorSummary[]> {
  const power = powerKind(request.p);
  const results: (TensorSummary | undefined)[] = tensors.map((input, i) => {
    const layout = layoutAt(request.layouts, i);
    if (input.size === 0) return emptySummary(layout);
    // No reduced axis: every element is its own slice. ONNX reads empty `axes` as "reduce all", so
    // these (tiny per slice) summaries are the reference's, exact, on the tensor's own data.
    if (layout.axes !== null && layout.axes.length === 0) {
      return summarizeValues(dataOf(input), { p: request.p, layouts: [layout] }, 0);
    }
    return undefined;
  });
  const pending = tensors.map((_, i) => i).filter((i) => results[i] === undefined);
  const computed = await runner.batched(pending.length, async (start, end) => {
    const indices = pending.slice(start, end);
    const forms = indices.map((i) => formOf(layoutAt(request.layouts, i)));
    const feeds: Record<string, OrtTensor> = {};
    indices.forEach((i, k) => {
      const input = tensors[i] as OrtTensor;
      const form = forms[k] as TensorForm;
      // Whole tensors as [rows, columns] over their own data: each row's sum is short.
      const columns = rowLength(input.size);
      feeds[`x${k}`] =
        form.kind === 'flat' ? runner.tensor(dataOf(input), [input.size / columns, columns]) : input;
      const { axes } = layoutAt(request.layouts, i);
      if (axes !== null) feeds[`axes${k}`] = runner.axesTensor(axes);
    });
    const outputs = await runner.run({ kernel: 'summarize', power, forms }, feeds);
    const summaries = indices.map((i, k): TensorSummary => {
      const layout = layoutAt(request.layouts, i);
      const flat = (forms[k] as TensorForm).kind === 'flat';
      const minValue = outputValue(outputs, `min${k}`);
      const maxValue = outputValue(outputs, `max${k}`);
      if (flat && power !== 'infinity') {
        const size = (tensors[i] as OrtTensor).size;
        const { sum, error } = rowsSum(outputData(outputs, `sum${k}`), rowLength(size));
        // NaN or ±∞ make the sum non-finite; their details come from `inspect` below.
        const finite = Number.isFinite(sum);
        return {
          sums: new Float64Array([sum]),
          sumErrors: new Float64Array([finite ? error : 0]),
          maxAbs: new Float64Array([finite ? Math.max(Math.abs(minValue), Math.abs(maxValue)) : sum]),
          minValue,
          maxValue,
          nonFiniteCount: finite ? 0 : -1,
          firstNonFiniteIndex: -1,
        };
      }
      const maxAbs = Float64Array.from(outputData(outputs, `maxAbs${k}`));
      const sums = power === 'infinity' ? maxAbs : Float64Array.from(outputData(outputs, `sum${k}`));
      const sliceSize = layout.sliceCount === 0 ? 0 : layout.size / layout.sliceCount;
      return {
        sums,
        // ReduceSum over exact float64 terms, in whatever order its threads choose.
        ...(power === 'infinity'
          ? {}
          : { sumErrors: sums.map((sum) => float64SumErrorBound(sum, sliceSize)) }),
        maxAbs,
        minValue,
        maxValue,
        nonFiniteCount: outputValue(outputs, `check${k}`) === 0 ? 0 : -1,
        firstNonFiniteIndex: -1,
      };
    });
    // Tensors holding NaN or ±∞ (marked -1 above) get their non-finite details from `inspect`.
    const flaggedIndices = indices.filter((_, k) => (summaries[k] as TensorSummary).nonFiniteCount < 0);
    const inspected =
      flaggedIndices.length === 0 ? [] : await inspect(runner, tensors, request, flaggedIndices);
    let next = 0;
    return summaries.map((summary): TensorSummary => {
      if (summary.nonFiniteCount >= 0) return summary;
      const details = inspected[next++] as Inspection;
      return { ...details, sums: power === 'infinity' ? details.maxAbs : summary.sums };
    });
  });
  pending.forEach((i, k) => {
    results[i] = computed[k];
  });
  return results as TensorSummary[];
}

interface Inspection {
  readonly maxAbs: Float64Array;
  readonly minValue: number;
  readonly maxValue: number;
  readonly nonFiniteCount: number;
  readonly firstNonFiniteIndex: number;
}

async function inspect(
  runner: GraphRunner,
  tensors: readonly OrtTensor[],
  request: SummaryRequest,
  indices: readonly number[],
): Promise<Inspection[]> {
  const forms = indices.map((i) => formOf(layoutAt(request.layouts, i)));
  const feeds: Record<string, OrtTensor> = {};
  indices.forEach((i, k) => {
    feeds[`x${k}`] = runner.feedOf(tensors[i] as OrtTensor, forms[k] as TensorForm);
    const { axes } = layoutAt(request.layouts, i);
    if (axes !== null) feeds[`axes${k}`] = runner.axesTensor(axes);
  });
  const outputs = await runner.run({ kernel: 'inspect', forms }, feeds);
  return indices.map((_, k) => ({
    maxAbs: Float64Array.from(outputData(outputs, `maxAbs${k}`)),
    minValue: outputValue(outputs, `min${k}`),
    maxValue: outputValue(outputs, `max${k}`),
    nonFiniteCount: outputValue(outputs, `count${k}`),
    firstNonFiniteIndex: outputValue(outputs, `first${k}`),
  }));
}

function powerKind(p: number): PowerKind {
  if (p === Number.POSITIVE_INFINITY) return 'infinity';
  if (p === 1) return 'one';
  if (p === 2) return 'two';
  throw new ClipError('BACKEND_CONTRACT', `summarize: order ${p}; core sends only 1, 2 and Infinity`);
}

/** Most and fewest columns of the `[rows, columns]` view a whole tensor is summed over. */
const MAX_ROW = 8192;
const MIN_ROW = 256;

/**
 * The row length for a tensor of `size` elements: the largest divisor of `size` up to 8192 (so
 * the view needs no padding), or the whole tensor when it has none of at least 256.
 */
export function rowLength(size: number): number {
  if (size <= MAX_ROW) return Math.max(size, 1);
  for (let columns = MAX_ROW; columns >= MIN_ROW; columns--) if (size % columns === 0) return columns;
  return size;
}

/** Row sums added per group before the group joins the total. */
const GROUP_ROWS = 256;

/**
 * The total of the graph's row sums, added in a fixed order (groups of 256 rows, then the groups),
 * and its error bound. Every row sum is a float64 sum of at most `columns` exact non-negative
 * terms, in an order ORT chooses: at most `columns − 1` roundings on any term's path. Here a row
 * sum goes through at most 256 more within its group and ⌈rows / 256⌉ + 1 into the total, so no
 * term goes through more than h = columns − 1 + 256 + ⌈rows / 256⌉ + 1 roundings, and
 * |ŝ − S| ≤ h·u / (1 − 2h·u)·ŝ, which is `float64SumErrorBound(ŝ, h + 1)` (doubled there).
 */
export function rowsSum(
  rowSums: Float32Array | Float64Array,
  columns: number,
): { sum: number; error: number } {
  let total = 0;
  let group = 0;
  let inGroup = 0;
  for (let row = 0; row < rowSums.length; row++) {
    group += rowSums[row] as number;
    if (++inGroup === GROUP_ROWS) {
      total += group;
      group = 0;
      inGroup = 0;
    }
  }
  total += group;
  const depth = columns - 1 + GROUP_ROWS + Math.ceil(rowSums.length / GROUP_ROWS) + 1;
  const terms = rowSums.length * columns;
  return { sum: total, error: float64SumErrorBound(total, Math.min(depth, Math.max(terms - 1, 0)) + 1) };
}

function emptySummary(layout: SliceLayout): TensorSummary {
  return {
    sums: new Float64Array(layout.sliceCount),
    maxAbs: new Float64Array(layout.sliceCount),
    minValue: Number.POSITIVE_INFINITY,
    maxValue: Number.NEGATIVE_INFINITY,
    nonFiniteCount: 0,
    firstNonFiniteIndex: -1,
  };
}
