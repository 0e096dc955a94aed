import {
  type ClampBounds,
  type ClipKernels,
  float64SumErrorBound,
  type ScaleRequest,
  type SliceLayout,
  type SummaryRequest,
  type TensorSummary,
} from '@gradclip/core/backend';
import { summarizeValues } from '@gradclip/core/reference';
import type { Tensor, TfjsModule } from './tfjs-module.js';

/** How norms read gradients: `dataSync` (kernels stay synchronous) or `data()` (Promises). */
export type Readback = 'sync' | 'async';

/** A `WebAssembly.Memory` (this package compiles without the WebAssembly JS API's types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/**
 * A SIMD summariser over TF.js-wasm's own heap: `foreignSummarizer` from `@gradclip/backend-wasm`
 * fits (this package does not depend on it). Given the heap, it returns a function that summarises
 * `length` float32 values at a byte offset for p = 1, 2 or ∞ (undefined when it cannot: the host
 * loop then runs).
 */
export type HeapSummarizerFactory = (heap: {
  readonly memory: WasmMemory;
  malloc(bytes: number): number;
  free(offset: number): void;
}) => ((byteOffset: number, length: number, p: number) => TensorSummary | undefined) | undefined;

export interface TfjsKernelOptions {
  readonly tf: TfjsModule;
  readonly readback: Readback;
  readonly heapSummarizer?: HeapSummarizerFactory;
}

/**
 * The four kernels over `tf.Tensor`. Every op runs inside `tf.tidy`, so intermediates are freed
 * and a kernel that throws half-way leaves no tensor behind.
 */
export function createTfjsKernels(options: TfjsKernelOptions): ClipKernels<Tensor> {
  const { tf, readback } = options;
  const heapSummary = heapSummaries(tf, options.heapSummarizer);
  return {
    summarize(tensors, request) {
      // TF.js has no float64: a float64 sum on the host, with its error bound (core certifies).
      if (readback === 'async') {
        return Promise.all(tensors.map((tensor) => tensor.data())).then((all) =>
          all.map((values, i) => hostSummary(values as Float32Array, request, i)),
        );
      }
      return tensors.map((tensor, i) => {
        const layout = request.layouts[i];
        const inHeap = layout?.sliceCount === 1 ? heapSummary(tensor, request.p) : undefined;
        return inHeap ?? hostSummary(engineValues(tf, tensor), request, i);
      });
    },
    scale: (tensors, requests) =>
      tf.tidy(() =>
        tensors.map((tensor, i) => {
          const request = requests[i];
          if (request === undefined) throw new Error(`scale: no request for tensor ${i}`);
          return scaleTensor(tf, tensor, request);
        }),
      ),
    clamp: (tensors, bounds) => tf.tidy(() => tensors.map((tensor) => clampTensor(tf, tensor, bounds))),
    zeroNonFinite: (tensors) =>
      tf.tidy(() => tensors.map((tensor) => tf.where(tf.isFinite(tensor), tensor, tf.zerosLike(tensor)))),
  };
}

/** A factor tensor that broadcasts one value per slice: the shape with reduced axes set to 1. */
function sliceFactors(tf: TfjsModule, values: Float32Array, layout: SliceLayout): Tensor {
  const axes = layout.axes;
  // Slices are numbered row-major over the kept axes, which is the row-major order of this shape.
  const shape = axes === null ? [] : layout.shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
  return tf.tensor(values, shape, 'float32');
}

function scaleTensor(tf: TfjsModule, tensor: Tensor, request: ScaleRequest): Tensor {
  const multipliers = sliceFactors(tf, request.multipliers, request.layout);
  if (request.order === 'multiply') return tf.mul(tensor, multipliers);
  if (request.divisors === undefined) throw new Error(`scale: order "${request.order}" needs divisors`);
  const divisors = sliceFactors(tf, request.divisors, request.layout);
  // Two correctly rounded float32 ops, in the order the request names.
  return request.order === 'multiplyThenDivide'
    ? tf.div(tf.mul(tensor, multipliers), divisors)
    : tf.mul(tf.div(tensor, divisors), multipliers);
}

function clampTensor(tf: TfjsModule, tensor: Tensor, bounds: ClampBounds): Tensor {
  const { min, max } = bounds;
  if (min === Number.NEGATIVE_INFINITY && max === Number.POSITIVE_INFINITY) return tf.clone(tensor);
  // The contract, literally: g < min ? min : g > max ? max : g. Not tf.clipByValue: its min == max
  // path fills NaN and -0 with the bound, wasm's XNNPACK clamp turns NaN into the lower bound and
  // -0 into +0, and TF.js caches clamp operators by the bounds' values, where -0 === +0, so a bound
  // of -0 comes back as +0 (or the reverse) depending on earlier calls. The bounds travel here as
  // tensor data (tf.scalar), never as kernel attributes, so nothing can key on them. NaN and ±0
  // when min ≤ 0 ≤ max compare false both times and are kept.
  const lower = tf.scalar(min, 'float32');
  const upper = tf.scalar(max, 'float32');
  return tf.where(tf.less(tensor, lower), lower, tf.where(tf.greater(tensor, upper), upper, tensor));
}

interface WasmEngineBackend {
  wasm?: {
    HEAPU8?: Uint8Array;
    asm?: { memory?: WasmMemory };
    _malloc?: (bytes: number) => number;
    _free?: (offset: number) => void;
  };
  dataIdMap?: { has(id: object): boolean; get(id: object): { memoryOffset?: number; dtype?: string } };
}

/**
 * A tensor's summary computed in TF.js-wasm's heap by `factory`'s SIMD kernel, or undefined (not
 * the wasm backend, no factory, a non-finite tensor): the caller then sums on the host.
 */
function heapSummaries(
  tf: TfjsModule,
  factory: HeapSummarizerFactory | undefined,
): (tensor: Tensor, p: number) => TensorSummary | undefined {
  let memory: WasmMemory | undefined;
  let summarizer: ReturnType<HeapSummarizerFactory>;
  return (tensor, p) => {
    if (factory === undefined) return undefined;
    const backend = (tf as unknown as { backend?: () => unknown }).backend?.() as
      | WasmEngineBackend
      | undefined;
    const wasm = backend?.wasm;
    const heap = wasm?.asm?.memory;
    const dataId = (tensor as unknown as { dataId: object }).dataId;
    if (heap === undefined || wasm?._malloc === undefined || wasm._free === undefined) return undefined;
    if (backend?.dataIdMap?.has(dataId) !== true) return undefined;
    const { memoryOffset, dtype } = backend.dataIdMap.get(dataId);
    if (dtype !== 'float32' || typeof memoryOffset !== 'number') return undefined;
    if (memory !== heap) {
      memory = heap;
      const malloc = wasm._malloc.bind(wasm);
      const free = wasm._free.bind(wasm);
      summarizer = factory({ memory: heap, malloc, free });
    }
    return summarizer?.(memoryOffset, tensor.size, p);
  };
}

/**
 * A tensor's float32 values without a copy where the engine allows: on the wasm backend a view of
 * its heap (dataSync would copy them out), on cpu the backing array dataSync returns anyway.
 * The view is read at once, before any other TF.js call can grow the heap or free the tensor.
 */
function engineValues(tf: TfjsModule, tensor: Tensor): Float32Array {
  const backend = (tf as unknown as { backend?: () => unknown }).backend?.() as
    | {
        wasm?: { HEAPU8?: Uint8Array };
        dataIdMap?: { has(id: object): boolean; get(id: object): { memoryOffset?: number; dtype?: string } };
      }
    | undefined;
  const heap = backend?.wasm?.HEAPU8;
  const dataId = (tensor as unknown as { dataId: object }).dataId;
  if (heap !== undefined && backend?.dataIdMap?.has(dataId) === true) {
    const { memoryOffset, dtype } = backend.dataIdMap.get(dataId);
    if (dtype === 'float32' && typeof memoryOffset === 'number' && memoryOffset % 4 === 0) {
      return new Float32Array(heap.buffer, heap.byteOffset + memoryOffset, tensor.size);
    }
  }
  return tensor.dataSync() as Float32Array;
}

/** Elements per block, and blocks per group, of the host sum (the depth its bound counts). */
const BLOCK = 4096;
const GROUP_BLOCKS = 256;

/**
 * One tensor's summary on the host. Whole tensors with p = 1, 2 or ∞ take one pass: min, max and a
 * plain float64 sum in a fixed tree — 4 accumulators over blocks of 4096 elements (at most 1024
 * additions each, then 3 to merge them and 1 for the tail), block sums into groups of 256
 * blocks, group sums into the total — with `float64SumErrorBound` for that depth. Slices,
 * non-finite values and other orders take the oracle's loop (`summarizeValues`).
 */
function hostSummary(values: Float32Array, request: SummaryRequest, index: number): TensorSummary {
  const { p } = request;
  const layout = request.layouts[index];
  if (layout === undefined) throw new Error(`summarize: no layout for tensor ${index}`);
  if (layout.sliceCount !== 1 || !(p === 1 || p === 2 || p === Number.POSITIVE_INFINITY)) {
    return summarizeValues(values, request, index);
  }
  const n = values.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let total = 0;
  let group = 0;
  let blocks = 0;
  const square = p !== 1;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    const vectorEnd = start + ((end - start) & ~3);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = start;
    // Element order for min and max (the first of equal values wins, as in the oracle).
    for (; i < vectorEnd; i += 4) {
      const a = values[i] as number;
      const b = values[i + 1] as number;
      const c = values[i + 2] as number;
      const d = values[i + 3] as number;
      if (a < min) min = a;
      if (a > max) max = a;
      if (b < min) min = b;
      if (b > max) max = b;
      if (c < min) min = c;
      if (c > max) max = c;
      if (d < min) min = d;
      if (d > max) max = d;
      if (square) {
        s0 += a * a;
        s1 += b * b;
        s2 += c * c;
        s3 += d * d;
      } else {
        s0 += Math.abs(a);
        s1 += Math.abs(b);
        s2 += Math.abs(c);
        s3 += Math.abs(d);
      }
    }
    let tail = 0;
    for (; i < end; i++) {
      const g = values[i] as number;
      if (g < min) min = g;
      if (g > max) max = g;
      tail += square ? g * g : Math.abs(g);
    }
    group += s0 + s1 + (s2 + s3) + tail;
    if (++blocks === GROUP_BLOCKS) {
      total += group;
      group = 0;
      blocks = 0;
    }
  }
  total += group;
  // NaN or ±∞ somewhere (g² and |g| are finite for finite float32): the oracle's loop says where.
  if (!Number.isFinite(total)) return summarizeValues(values, request, index);
  const maxAbs = n === 0 ? 0 : Math.max(Math.abs(min), Math.abs(max));
  if (p === Number.POSITIVE_INFINITY) {
    return {
      sums: new Float64Array([maxAbs]),
      maxAbs: new Float64Array([maxAbs]),
      minValue: min,
      maxValue: max,
      nonFiniteCount: 0,
      firstNonFiniteIndex: -1,
    };
  }
  // Any term's path: ≤ 1024 additions in its accumulator (or ≤ 3 in the tail), 3 merging the
  // block, 1 into the group, ≤ 256 block sums per group, ≤ ⌈n / 2^20⌉ group sums into the total.
  const depth = BLOCK / 4 + 4 + GROUP_BLOCKS + Math.ceil(n / (BLOCK * GROUP_BLOCKS)) + 1;
  return {
    sums: new Float64Array([total]),
    sumErrors: new Float64Array([float64SumErrorBound(total, Math.min(depth, n - 1) + 1)]),
    maxAbs: new Float64Array([maxAbs]),
    minValue: min,
    maxValue: max,
    nonFiniteCount: 0,
    firstNonFiniteIndex: -1,
  };
}
