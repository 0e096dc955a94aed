import { type ClipBackend, ClipError } from '@gradclip/core';
import {
  type BackendManifest,
  type ClampBounds,
  float64SumErrorBound,
  type ScaleRequest,
  type SliceLayout,
  type SummaryRequest,
  type TensorSummary,
} from '@gradclip/core/backend';
import {
  buildKernelGraph,
  graphKey,
  type KernelGraph,
  type PowerKind,
  type TensorForm,
} from './kernel-graphs.js';
import {
  loadOnnxruntimeNode,
  type OrtModule,
  type OrtSessionOptions,
  type OrtTensor,
  withSerialRuns,
} from './ort-module.js';
import { SessionCache } from './session-cache.js';
import { checkOrtTensor } from './tensor-check.js';

export interface OnnxBackendOptions {
  /**
   * The onnxruntime module: onnxruntime-node by default (imported when the backend is created), or
   * any module with the same API, e.g. `import * as ort from 'onnxruntime-web'`.
   */
  readonly ort?: OrtModule;
  /** Session options for every kernel session. Default: `{ graphOptimizationLevel: 'disabled', logSeverityLevel: 3 }`. */
  readonly sessionOptions?: OrtSessionOptions;
  /**
   * Most tensors one graph takes; longer lists run in several batches. Sessions are cached per
   * graph and tensor count, so this bounds both graph size and the number of sessions. Default 32.
   */
  readonly maxTensorsPerRun?: number;
}

export interface OnnxBackend extends ClipBackend<OrtTensor> {
  /** Sessions created so far (each is created once, then reused for every size). */
  readonly sessionsCreated: number;
  /** Sessions currently cached. */
  readonly sessionsCached: number;
}

const DEFAULT_MAX_TENSORS_PER_RUN = 32;

/**
 * The ONNX Runtime backend: every kernel is an ONNX graph run by an `InferenceSession` over
 * float32 `ort.Tensor`s; power sums are accumulated in float64 inside the graph.
 */
export async function createOnnxBackend(options: OnnxBackendOptions = {}): Promise<OnnxBackend> {
  const maxTensorsPerRun = options.maxTensorsPerRun ?? DEFAULT_MAX_TENSORS_PER_RUN;
  if (!Number.isInteger(maxTensorsPerRun) || maxTensorsPerRun < 1) {
    throw new ClipError(
      'INVALID_SPEC',
      `maxTensorsPerRun: got ${maxTensorsPerRun}, expected an integer ≥ 1`,
      { field: 'maxTensorsPerRun', value: maxTensorsPerRun, expected: 'an integer ≥ 1' },
    );
  }
  let ort: OrtModule;
  try {
    ort = options.ort ?? (await loadOnnxruntimeNode());
  } catch (cause) {
    throw new ClipError(
      'BACKEND_UNAVAILABLE',
      `onnxruntime-node could not be loaded (${(cause as Error).message}); expected it installed, or an ort module passed as options.ort`,
      { field: 'ort', value: undefined, expected: 'onnxruntime-node or an injected ort module', cause },
    );
  }
  const sessions = new SessionCache(
    withSerialRuns(ort),
    // No graph rewrites: ORT's optimizer changed a float32 result by 1 ULP in an exported graph.
    options.sessionOptions ?? { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 },
  );
  const version = ort.env?.versions?.node ?? ort.env?.versions?.web ?? ort.env?.versions?.common ?? 'unknown';

  const tensor = (values: Float32Array, dims: readonly number[]): OrtTensor =>
    new ort.Tensor('float32', values, [...dims]);

  /** Runs `graph` once per batch of at most `maxTensorsPerRun` tensors. */
  async function runBatched<R>(
    count: number,
    run: (start: number, end: number) => Promise<R[]>,
  ): Promise<R[]> {
    const batches: Promise<R[]>[] = [];
    for (let start = 0; start < count; start += maxTensorsPerRun) {
      batches.push(run(start, Math.min(count, start + maxTensorsPerRun)));
    }
    return (await Promise.all(batches)).flat();
  }

  async function runGraph(
    graph: KernelGraph,
    feeds: Record<string, OrtTensor>,
  ): Promise<Record<string, OrtTensor>> {
    const session = await sessions.get(graphKey(graph), () => buildKernelGraph(graph));
    return (await session.run(feeds)) as Record<string, OrtTensor>;
  }

  /** A tensor as a graph takes it: flattened for whole-tensor work, with its shape for slices. */
  function feedOf(input: OrtTensor, form: TensorForm): OrtTensor {
    return form.kind === 'flat' ? tensor(dataOf(input), [input.size]) : input;
  }

  function formOf(layout: SliceLayout): TensorForm {
    return layout.axes === null ? { kind: 'flat' } : { kind: 'ranked', rank: layout.shape.length };
  }

  async function summarize(tensors: readonly OrtTensor[], request: SummaryRequest): Promise<TensorSummary[]> {
    const power = powerKind(request.p);
    const results: (TensorSummary | undefined)[] = tensors.map((input, i) =>
      input.size === 0 ? emptySummary(layoutAt(request.layouts, i)) : undefined,
    );
    const pending = tensors.map((_, i) => i).filter((i) => results[i] === undefined);
    const computed = await runBatched(pending.length, async (start, end) => {
      const indices = pending.slice(start, end);
      const forms = indices.map((i) => formOf(layoutAt(request.layouts, i)));
      const feeds: Record<string, OrtTensor> = {};
      indices.forEach((i, k) => {
        const input = tensors[i] as OrtTensor;
        const form = forms[k] as TensorForm;
        // Whole tensors as [rows, columns] over their own data: each row's sum is short.
        const columns = rowLength(input.size);
        feeds[`x${k}`] =
          form.kind === 'flat' ? tensor(dataOf(input), [input.size / columns, columns]) : input;
        const { axes } = layoutAt(request.layouts, i);
        if (axes !== null) feeds[`axes${k}`] = axesTensor(axes);
      });
      const outputs = await runGraph({ kernel: 'summarize', power, forms }, feeds);
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
      const inspected = flaggedIndices.length === 0 ? [] : await inspect(tensors, request, flaggedIndices);
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
    tensors: readonly OrtTensor[],
    request: SummaryRequest,
    indices: readonly number[],
  ): Promise<Inspection[]> {
    const forms = indices.map((i) => formOf(layoutAt(request.layouts, i)));
    const feeds: Record<string, OrtTensor> = {};
    indices.forEach((i, k) => {
      feeds[`x${k}`] = feedOf(tensors[i] as OrtTensor, forms[k] as TensorForm);
      const { axes } = layoutAt(request.layouts, i);
      if (axes !== null) feeds[`axes${k}`] = axesTensor(axes);
    });
    const outputs = await runGraph({ kernel: 'inspect', forms }, feeds);
    return indices.map((_, k) => ({
      maxAbs: Float64Array.from(outputData(outputs, `maxAbs${k}`)),
      minValue: outputValue(outputs, `min${k}`),
      maxValue: outputValue(outputs, `max${k}`),
      nonFiniteCount: outputValue(outputs, `count${k}`),
      firstNonFiniteIndex: outputValue(outputs, `first${k}`),
    }));
  }

  function axesTensor(axes: readonly number[]): OrtTensor {
    return new ort.Tensor(
      'int64',
      BigInt64Array.from(axes, (axis) => BigInt(axis)),
      [axes.length],
    );
  }

  /** Runs an element-wise graph over non-empty tensors; empty ones come back as new empty tensors. */
  async function elementWise(
    tensors: readonly OrtTensor[],
    run: (indices: readonly number[]) => Promise<Record<string, OrtTensor>>,
  ): Promise<OrtTensor[]> {
    const results: (OrtTensor | undefined)[] = tensors.map((input) =>
      input.size === 0 ? tensor(new Float32Array(0), input.dims) : undefined,
    );
    const pending = tensors.map((_, i) => i).filter((i) => results[i] === undefined);
    const computed = await runBatched(pending.length, async (start, end) => {
      const indices = pending.slice(start, end);
      const outputs = await run(indices);
      // Outputs are fresh buffers; give them back their caller's shape (a view, no copy).
      return indices.map((i, k) =>
        tensor(outputData(outputs, `y${k}`) as Float32Array, (tensors[i] as OrtTensor).dims),
      );
    });
    pending.forEach((i, k) => {
      results[i] = computed[k];
    });
    return results as OrtTensor[];
  }

  async function scale(
    tensors: readonly OrtTensor[],
    requests: readonly ScaleRequest[],
  ): Promise<OrtTensor[]> {
    const orders = new Set(requests.map((request) => request.order));
    // One graph per order: tensors of one call almost always share it.
    const byOrder = [...orders].map(async (order) => {
      const members = requests.flatMap((request, i) => (request.order === order ? [i] : []));
      const scaled = await elementWise(
        members.map((i) => tensors[i] as OrtTensor),
        async (indices) => {
          const forms = indices.map((k) => formOf((requests[members[k] as number] as ScaleRequest).layout));
          const feeds: Record<string, OrtTensor> = {};
          indices.forEach((k, j) => {
            const i = members[k] as number;
            const request = requests[i] as ScaleRequest;
            const form = forms[j] as TensorForm;
            feeds[`x${j}`] = feedOf(tensors[i] as OrtTensor, form);
            const factorDims = factorShape(request.layout);
            feeds[`m${j}`] = tensor(request.multipliers, factorDims);
            if (order !== 'multiply') {
              if (request.divisors === undefined) {
                throw new ClipError(
                  'BACKEND_CONTRACT',
                  `scale: order "${order}" needs divisors for tensor ${i}`,
                );
              }
              feeds[`d${j}`] = tensor(request.divisors, factorDims);
            }
          });
          return runGraph({ kernel: 'scale', order, forms }, feeds);
        },
      );
      return { members, scaled };
    });
    const outputs: OrtTensor[] = new Array(tensors.length);
    for (const { members, scaled } of await Promise.all(byOrder)) {
      members.forEach((i, k) => {
        outputs[i] = scaled[k] as OrtTensor;
      });
    }
    return outputs;
  }

  async function clamp(tensors: readonly OrtTensor[], bounds: ClampBounds): Promise<OrtTensor[]> {
    return elementWise(tensors, (indices) => {
      const negativeZero = { min: Object.is(bounds.min, -0), max: Object.is(bounds.max, -0) };
      // -0 bounds travel as +0 (a Float32Array keeps -0; the graph restores the sign).
      const feeds: Record<string, OrtTensor> = {
        lo: tensor(new Float32Array([negativeZero.min ? 0 : bounds.min]), []),
        hi: tensor(new Float32Array([negativeZero.max ? 0 : bounds.max]), []),
      };
      indices.forEach((i, k) => {
        feeds[`x${k}`] = feedOf(tensors[i] as OrtTensor, { kind: 'flat' });
      });
      return runGraph({ kernel: 'clamp', count: indices.length, negativeZero }, feeds);
    });
  }

  async function zeroNonFinite(tensors: readonly OrtTensor[]): Promise<OrtTensor[]> {
    return elementWise(tensors, (indices) => {
      const feeds: Record<string, OrtTensor> = {};
      indices.forEach((i, k) => {
        feeds[`x${k}`] = feedOf(tensors[i] as OrtTensor, { kind: 'flat' });
      });
      return runGraph({ kernel: 'zeroNonFinite', count: indices.length }, feeds);
    });
  }

  const manifest: BackendManifest = {
    maxUlp: 0,
    capabilities: ['axes', 'generalP', 'largeTensors'],
    expectedFailures: [],
    notes: [
      `onnxruntime ${version}, CPU execution provider; kernels are ONNX graphs (opset 18) cached per graph kind and tensor count, with symbolic dimensions.`,
      'Power sums are accumulated in float64 inside the graph (Cast to double, ReduceSum); scales are float32 Mul/Div, correctly rounded.',
      "The ort module can be injected (createOnnxBackend({ ort })), e.g. onnxruntime-web; only onnxruntime-node's CPU path is tested here.",
    ],
  };

  return {
    id: 'onnx:cpu',
    name: 'gradclip ONNX Runtime backend',
    version,
    manifest,
    get sessionsCreated() {
      return sessions.created;
    },
    get sessionsCached() {
      return sessions.size;
    },
    shapeOf: (input, field) => checkOrtTensor(ort, input, field),
    fromHost: async (values, shape) => tensor(values.slice(), shape),
    toHost: async (input) => dataOf(input).slice(),
    summarize,
    scale,
    clamp,
    zeroNonFinite,
    release: (tensors) => {
      for (const input of tensors) input.dispose();
    },
    dispose: () => sessions.dispose(),
  };
}

function powerKind(p: number): PowerKind {
  if (p === Number.POSITIVE_INFINITY) return 'infinity';
  if (p === 1) return 'one';
  if (p === 2) return 'two';
  throw new ClipError('BACKEND_CONTRACT', `summarize: order ${p}; core sends only 1, 2 and Infinity`);
}

function layoutAt(layouts: readonly SliceLayout[], i: number): SliceLayout {
  const layout = layouts[i];
  if (layout === undefined) throw new ClipError('BACKEND_CONTRACT', `summarize: no layout for tensor ${i}`);
  return layout;
}

/** Per-slice factors shaped to broadcast: kept axes keep their size, reduced axes become 1. */
function factorShape(layout: SliceLayout): number[] {
  if (layout.axes === null) return [1];
  const { axes } = layout;
  return layout.shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
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

function dataOf(input: OrtTensor): Float32Array {
  return input.data as Float32Array;
}

function outputOf(outputs: Record<string, OrtTensor>, name: string): OrtTensor {
  const output = outputs[name];
  if (output === undefined) throw new Error(`internal: the graph has no output "${name}"`);
  return output;
}

/** A float32 or float64 output's values. */
function outputData(outputs: Record<string, OrtTensor>, name: string): Float32Array | Float64Array {
  return outputOf(outputs, name).data as Float32Array | Float64Array;
}

/** A scalar output (float or int64) as a number. */
function outputValue(outputs: Record<string, OrtTensor>, name: string): number {
  const value = (outputOf(outputs, name).data as Float32Array | BigInt64Array)[0];
  if (value === undefined) throw new Error(`internal: output "${name}" is empty`);
  return Number(value);
}
