import { type ClipBackend, ClipError } from '@gradclip/core';
import {
  type BackendManifest,
  type ClampBounds,
  elementCount,
  type ScaleRequest,
  type SummaryRequest,
  type TensorSummary,
} from '@gradclip/core/backend';
import { scaleValues, summarizeValues } from '@gradclip/core/reference';
import { defaultThreads, RUNTIME, usableThreads } from '#threads';
import {
  JOB_BYTES,
  type Job,
  jobCount,
  SCALE_ORDER_CODE,
  SUMMARY_MAX,
  SUMMARY_MIN,
  SUMMARY_SUM,
  writeTensorJobs,
} from './job-list.js';
import { compileKernels } from './kernels/kernel-module.js';
import { MemoryPool, type MemoryPoolUsage } from './memory-pool.js';
import { blockedSumErrorBound } from './sum-error-bound.js';
import { type KernelOperation, ThreadPool } from './thread-pool.js';
import type { WasmTensor } from './wasm-tensor.js';
import type {} from './webassembly-api.js';

export interface WasmBackendOptions {
  /** Threads in all, the calling one included. Default: `os.availableParallelism()`. */
  readonly threads?: number;
  /** Memory reserved up front. Default 64 MiB; it grows on demand. */
  readonly initialMemoryBytes?: number;
  /** Upper bound of the memory (wasm32: at most 4 GiB, the default). */
  readonly maximumMemoryBytes?: number;
  /** Calls over fewer elements than this run on the calling thread only. Default 65,536. */
  readonly parallelThreshold?: number;
}

/** Every kernel is synchronous (threads block on shared memory), so `clipSync` works too. */
export interface WasmBackend extends ClipBackend<WasmTensor> {
  readonly threads: number;
  fromHost(values: Float32Array, shape: readonly number[]): WasmTensor;
  toHost(tensor: WasmTensor): Float32Array;
  summarize(tensors: readonly WasmTensor[], request: SummaryRequest): TensorSummary[];
  scale(tensors: readonly WasmTensor[], requests: readonly ScaleRequest[]): WasmTensor[];
  clamp(tensors: readonly WasmTensor[], bounds: ClampBounds): WasmTensor[];
  zeroNonFinite(tensors: readonly WasmTensor[]): WasmTensor[];
  /** A zero-filled tensor in the shared memory, to be filled in place: gradients without a copy. */
  createTensor(shape: readonly number[], name?: string): WasmTensor;
  /**
   * The same kernels writing their results into their inputs (PyTorch's `clip_grad_norm_`
   * semantics): identical bits, no output buffers, and the caller's tensors are overwritten.
   * It is the in-place variant the contract allows only when asked for; it is not a conformant
   * backend (the conformance kit checks that inputs are not mutated).
   */
  readonly inPlace: ClipBackend<WasmTensor>;
  /** The shared memory's allocator: the span in use, free bytes and blocks within it, the memory's size. */
  memoryUsage(): MemoryPoolUsage;
}

export const WASM_MANIFEST: BackendManifest = {
  maxUlp: 0,
  capabilities: ['axes', 'generalP', 'largeTensors'],
  expectedFailures: [],
  notes: [
    'WebAssembly SIMD kernels on worker threads over one shared memory; float64 power sums in a fixed blocked tree (8 SIMD lanes, 4096-element blocks, 2^18-element jobs) with a rigorous error bound per tensor, from which core certifies every decision.',
    'Norms over several slices (axes) and orders other than 1, 2 and ∞ run the oracle’s own loops on the shared views.',
    'Tensors larger than 2^28 elements, or gradients above the 4 GiB of a wasm32 memory, are refused.',
  ],
};

const VERSION = '0.0.0';
const DEFAULT_INITIAL_BYTES = 64 * 2 ** 20;
const MAXIMUM_BYTES = 2 ** 32;
/** Bytes at the start of the memory kept for the job counter. */
const RESERVED_BYTES = 1024;
const COUNTER_OFFSET = 64;

/**
 * The truth about a live tensor, kept where callers cannot reach it: kernels read the view and the
 * shape from here, never from the tensor's (frozen) public fields.
 */
interface Region {
  readonly offset: number;
  readonly bytes: number;
  readonly values: Float32Array;
  readonly shape: readonly number[];
  freed: boolean;
}

/** Starts the worker threads and compiles the kernels; `dispose()` stops them. */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const requested = options.threads ?? defaultThreads();
  checkInteger('threads', requested, 1, 256);
  // In a page that is not cross-origin isolated, workers cannot share memory: one thread, same bits.
  const threads = usableThreads(requested);
  const maximumBytes = options.maximumMemoryBytes ?? MAXIMUM_BYTES;
  checkInteger('maximumMemoryBytes', maximumBytes, 2 ** 20, MAXIMUM_BYTES);
  const initialBytes = Math.min(options.initialMemoryBytes ?? DEFAULT_INITIAL_BYTES, maximumBytes);
  checkInteger('initialMemoryBytes', initialBytes, 0, maximumBytes);
  const parallelThreshold = options.parallelThreshold ?? 1 << 16;
  checkInteger('parallelThreshold', parallelThreshold, 0, Number.MAX_SAFE_INTEGER);
  if (
    typeof WebAssembly !== 'object' ||
    !WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
  ) {
    throw new ClipError('BACKEND_UNAVAILABLE', 'backend-wasm: this runtime has no WebAssembly', {
      field: 'runtime',
      value: typeof WebAssembly,
      expected: 'Node.js ≥ 20 with WebAssembly SIMD and threads',
    });
  }
  let module: WebAssembly.Module;
  let memory: WebAssembly.Memory;
  try {
    module = await compileKernels();
    memory = new WebAssembly.Memory({
      initial: Math.max(1, Math.ceil(initialBytes / 65536)),
      maximum: Math.floor(maximumBytes / 65536),
      shared: true,
    });
  } catch (cause) {
    throw new ClipError('BACKEND_UNAVAILABLE', `backend-wasm: the SIMD kernels failed to compile: ${cause}`, {
      field: 'runtime',
      value: RUNTIME,
      expected: 'a V8 with WebAssembly SIMD and threads (Node.js ≥ 20)',
      cause,
    });
  }
  const pool = await ThreadPool.start({ module, memory, threads });
  return new WasmKernels(memory, pool, maximumBytes, parallelThreshold).backend;
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ClipError(
      'INVALID_SPEC',
      `createWasmBackend: options.${field} is ${value}; expected an integer in [${min}, ${max}]`,
      { field: `options.${field}`, value, expected: `an integer in [${min}, ${max}]` },
    );
  }
}

/** Everything the backend object and its in-place view share. */
class WasmKernels {
  readonly backend: WasmBackend;
  readonly #memory: WebAssembly.Memory;
  readonly #threads: ThreadPool;
  readonly #pool: MemoryPool;
  readonly #parallelThreshold: number;
  readonly #live = new WeakMap<WasmTensor, Region>();
  readonly #finalizer: FinalizationRegistry<Region>;
  #jobs = 0;
  #jobCapacity = 0;
  #disposed = false;
  #dataView: DataView | undefined;
  #clampSummaries: WeakMap<WasmTensor, TensorSummary> | undefined;
  #clearScheduled = false;

  constructor(
    memory: WebAssembly.Memory,
    threads: ThreadPool,
    maximumBytes: number,
    parallelThreshold: number,
  ) {
    this.#memory = memory;
    this.#threads = threads;
    this.#pool = new MemoryPool(memory, RESERVED_BYTES, maximumBytes);
    this.#parallelThreshold = parallelThreshold;
    this.#finalizer = new FinalizationRegistry((region) => this.#free(region));
    const common = {
      name: `gradclip WebAssembly SIMD (${threads.threads} thread${threads.threads === 1 ? '' : 's'})`,
      version: VERSION,
      manifest: WASM_MANIFEST,
      shapeOf: (tensor: WasmTensor, field: string) => this.shapeOf(tensor, field),
      nameOf: (tensor: WasmTensor) => tensor.name,
      fromHost: (values: Float32Array, shape: readonly number[]) => this.fromHost(values, shape),
      toHost: (tensor: WasmTensor) => this.toHost(tensor),
      summarize: (tensors: readonly WasmTensor[], request: SummaryRequest) =>
        this.summarize(tensors, request),
    };
    const inPlace: ClipBackend<WasmTensor> = {
      ...common,
      id: 'wasm:in-place',
      scale: (tensors, requests) => this.scale(tensors, requests, true),
      clamp: (tensors, bounds) => this.clamp(tensors, bounds, true),
      zeroNonFinite: (tensors) => this.zeroNonFinite(tensors, true),
      // Frees what the caller made (e.g. fromHost copies). Core never hands it a tensor it returns,
      // and in place every kernel returns its input, so no caller tensor is freed behind its back.
      release: (tensors) => this.release(tensors),
      dispose: () => this.dispose(),
    };
    this.backend = {
      ...common,
      id: 'wasm',
      threads: threads.threads,
      scale: (tensors, requests) => this.scale(tensors, requests, false),
      clamp: (tensors, bounds) => this.clamp(tensors, bounds, false),
      zeroNonFinite: (tensors) => this.zeroNonFinite(tensors, false),
      release: (tensors) => this.release(tensors),
      dispose: () => this.dispose(),
      createTensor: (shape, name) => this.createTensor(shape, name),
      inPlace,
      memoryUsage: () => this.#pool.usage,
    };
  }

  shapeOf(tensor: WasmTensor, field: string): readonly number[] {
    return this.#check(tensor, field).shape;
  }

  toHost(tensor: WasmTensor): Float32Array {
    return this.#check(tensor, 'tensor').values.slice();
  }

  createTensor(shape: readonly number[], name?: string): WasmTensor {
    const tensor = this.#allocate(checkShape(shape, 'shape'), name);
    tensor.values.fill(0);
    return tensor;
  }

  fromHost(values: Float32Array, shape: readonly number[]): WasmTensor {
    const size = elementCount(checkShape(shape, 'shape'));
    if (!(values instanceof Float32Array) || values.length !== size) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `fromHost: got ${values instanceof Float32Array ? `${values.length} values` : typeof values} for shape [${shape.join(', ')}]; expected a Float32Array of ${size} values`,
        { field: 'values', value: values?.length, expected: `a Float32Array of ${size} values` },
      );
    }
    const tensor = this.#allocate(shape);
    (this.#live.get(tensor) as Region).values.set(values);
    return tensor;
  }

  release(tensors: readonly WasmTensor[]): void {
    for (const tensor of tensors) {
      const region = this.#live.get(tensor);
      if (region === undefined) continue;
      this.#live.delete(tensor);
      this.#finalizer.unregister(tensor);
      this.#free(region);
    }
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#threads.stop();
  }

  summarize(tensors: readonly WasmTensor[], request: SummaryRequest): TensorSummary[] {
    const { p, layouts } = request;
    const mode = p === 2 ? 2 : p === 1 ? 1 : p === Number.POSITIVE_INFINITY ? 0 : -1;
    const clamped = this.#takeClampSummaries();
    const results: TensorSummary[] = new Array(tensors.length);
    const fast: number[] = [];
    const jobs: Job[] = [];
    for (let i = 0; i < tensors.length; i++) {
      const tensor = tensors[i] as WasmTensor;
      const values = this.#check(tensor, `tensors[${i}]`).values;
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
    const base = this.#runJobs({ kind: 'summarize', mode }, jobs, false);
    let index = 0;
    for (let k = 0; k < fast.length; k++) {
      const i = fast[k] as number;
      const values = (jobs[k] as Job).length;
      results[i] = this.#jobSummary(base, index, mode, (tensors[i] as WasmTensor).values);
      index += jobCount(values);
    }
    return results;
  }

  /**
   * One tensor's summary from its jobs' records, `index` onwards. Job sums are added in job order
   * (the tree sum-error-bound.ts counts), so the bits do not depend on which thread ran which job.
   */
  #jobSummary(base: number, index: number, mode: number, values: Float32Array): TensorSummary {
    const length = values.length;
    const count = jobCount(length);
    const view = this.#view();
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let j = 0; j < count; j++) {
      const record = base + (index + j) * JOB_BYTES;
      const partMin = view.getFloat32(record + SUMMARY_MIN, true);
      const partMax = view.getFloat32(record + SUMMARY_MAX, true);
      if (partMin < min) min = partMin;
      if (partMax > max) max = partMax;
      // Mode 0: the job's NaN flag (0 or 1); NaN for a NaN, so the sum says whether one was seen.
      const part = view.getFloat64(record + SUMMARY_SUM, true);
      sum += mode === 0 && part !== 0 ? Number.NaN : part;
    }
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

  #view(): DataView {
    const buffer = this.#memory.buffer;
    if (this.#dataView?.buffer !== buffer) this.#dataView = new DataView(buffer);
    return this.#dataView;
  }

  /**
   * The summaries (p = 2) the last clamp computed for its outputs, valid for the next kernel call
   * only: core's clip by value summarises the clamped tensors right after clamping them. Any other
   * call, and the next turn of the event loop, drops them.
   */
  #takeClampSummaries(): WeakMap<WasmTensor, TensorSummary> | undefined {
    const summaries = this.#clampSummaries;
    this.#clampSummaries = undefined;
    return summaries;
  }

  scale(tensors: readonly WasmTensor[], requests: readonly ScaleRequest[], inPlace: boolean): WasmTensor[] {
    this.#clampSummaries = undefined;
    const outputs: WasmTensor[] = [];
    const jobs: Job[] = [];
    const seen = new Set<Region>();
    tensors.forEach((tensor, i) => {
      const region = this.#check(tensor, `tensors[${i}]`);
      const request = requests[i];
      if (request === undefined) throw new Error(`scale: no request for tensor ${i}`);
      if (inPlace && seen.has(region)) {
        // The same tensor twice (tied weights): it counted twice in the norm, like on every
        // backend, but its buffer is scaled once. Its requests are equal: same values, same norm.
        outputs.push(tensor);
        return;
      }
      seen.add(region);
      const output = inPlace ? tensor : this.#allocate(region.shape, tensor.name);
      const target = (this.#live.get(output) as Region).values;
      outputs.push(output);
      if (request.layout.sliceCount !== 1) {
        target.set(scaleValues(region.values, request));
        return;
      }
      if (request.order !== 'multiply' && request.divisors === undefined) {
        throw new Error(`scale: order "${request.order}" needs divisors`);
      }
      jobs.push({
        source: region.values.byteOffset,
        destination: target.byteOffset,
        length: region.values.length,
        order: SCALE_ORDER_CODE[request.order],
        multiplier: request.multipliers[0] as number,
        divisor: request.divisors?.[0] ?? 1,
      });
    });
    // Last tensors first: they are the ones summarize left in the cache.
    this.#runJobs({ kind: 'scale' }, jobs, true);
    return outputs;
  }

  clamp(tensors: readonly WasmTensor[], bounds: ClampBounds, inPlace: boolean): WasmTensor[] {
    const operation = { kind: 'clampSummarize', min: bounds.min, max: bounds.max } as const;
    const { outputs, base, jobs } = this.#elementwise(tensors, operation, inPlace);
    // The outputs' summaries (p = 2), computed by the same pass: see #takeClampSummaries.
    // Jobs were written last tensor first (#runJobs with reverse), each tensor's chunks reversed.
    const summaries = new WeakMap<WasmTensor, TensorSummary>();
    let index = 0;
    for (let k = jobs.length - 1; k >= 0; k--) {
      const output = jobs[k] as WasmTensor;
      summaries.set(output, this.#jobSummary(base, index, 2, output.values));
      index += jobCount(output.values.length);
    }
    this.#clampSummaries = summaries;
    if (!this.#clearScheduled) {
      this.#clearScheduled = true;
      setTimeout(() => {
        this.#clearScheduled = false;
        this.#clampSummaries = undefined;
      }, 0);
    }
    return outputs;
  }

  zeroNonFinite(tensors: readonly WasmTensor[], inPlace: boolean): WasmTensor[] {
    return this.#elementwise(tensors, { kind: 'zeroNonFinite' }, inPlace).outputs;
  }

  /** Runs an element-wise kernel; returns the outputs, the job records' offset and each job's output. */
  #elementwise(
    tensors: readonly WasmTensor[],
    operation: KernelOperation,
    inPlace: boolean,
  ): { outputs: WasmTensor[]; base: number; jobs: WasmTensor[] } {
    this.#clampSummaries = undefined;
    const regions = tensors.map((tensor, i) => this.#check(tensor, `tensors[${i}]`));
    const outputs = tensors.map((tensor, i) => {
      const region = regions[i] as Region;
      return inPlace ? tensor : this.#allocate(region.shape, tensor.name);
    });
    const jobs: Job[] = [];
    const owners: WasmTensor[] = [];
    const seen = new Set<Region>();
    regions.forEach((region, i) => {
      // In place, a tensor listed twice is one buffer: two jobs would race on it.
      if (inPlace && seen.has(region)) return;
      seen.add(region);
      const output = outputs[i] as WasmTensor;
      owners.push(output);
      jobs.push({
        source: region.values.byteOffset,
        destination: (this.#live.get(output) as Region).values.byteOffset,
        length: region.values.length,
      });
    });
    // Last tensors first: they are the ones summarize left in the cache.
    const base = this.#runJobs(operation, jobs, true);
    return { outputs, base, jobs: owners };
  }

  /** Writes the job records (growing the job area when needed), runs them; returns their offset. */
  #runJobs(operation: KernelOperation, jobs: readonly Job[], reverse: boolean): number {
    let count = 0;
    let elements = 0;
    for (const job of jobs) {
      count += jobCount(job.length);
      elements += job.length;
    }
    if (count > this.#jobCapacity) {
      if (this.#jobCapacity > 0) this.#pool.free(this.#jobs, this.#jobCapacity * JOB_BYTES);
      this.#jobCapacity = Math.max(count, 2 * this.#jobCapacity, 256);
      this.#jobs = this.#pool.allocate(this.#jobCapacity * JOB_BYTES);
    }
    const view = this.#view();
    let index = 0;
    for (let k = 0; k < jobs.length; k++) {
      const job = jobs[reverse ? jobs.length - 1 - k : k] as Job;
      index = writeTensorJobs(view, this.#jobs, index, job, reverse);
    }
    if (count > 0) {
      this.#threads.run(operation, this.#jobs, count, COUNTER_OFFSET, elements >= this.#parallelThreshold);
    }
    return this.#jobs;
  }

  #assertLive(): void {
    if (this.#disposed) {
      throw new ClipError('BACKEND_UNAVAILABLE', 'backend-wasm: the backend was disposed', {
        field: 'backend',
        value: 'disposed',
        expected: 'a backend that has not been disposed',
      });
    }
  }

  #allocate(shape: readonly number[], name?: string): WasmTensor {
    this.#assertLive();
    const length = elementCount(shape);
    const bytes = length * 4;
    const offset = length === 0 ? RESERVED_BYTES : this.#pool.allocate(bytes);
    const values = new Float32Array(this.#memory.buffer, offset, length);
    const frozenShape = Object.freeze([...shape]);
    // Frozen: replacing `values` or editing `shape` would make kernels read the wrong memory
    // (the region below is what they use; freezing makes the public fields agree with it).
    const tensor: WasmTensor = Object.freeze(
      name === undefined ? { shape: frozenShape, values } : { shape: frozenShape, values, name },
    );
    const region: Region = { offset, bytes, values, shape: frozenShape, freed: length === 0 };
    this.#live.set(tensor, region);
    // The view, not the tensor, decides: whoever still holds the view may still read the memory.
    if (length > 0) this.#finalizer.register(values, region, tensor);
    return tensor;
  }

  #free(region: Region): void {
    if (region.freed || this.#disposed) return;
    region.freed = true;
    this.#pool.free(region.offset, region.bytes);
  }

  #check(tensor: WasmTensor, field: string): Region {
    // After dispose the workers are gone and the memory is no longer tracked: refuse every call.
    this.#assertLive();
    const region = typeof tensor === 'object' && tensor !== null ? this.#live.get(tensor) : undefined;
    if (region === undefined) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `${field}: not a live tensor of this wasm backend; expected a tensor from its fromHost or createTensor, not released`,
        { field, value: describeTensor(tensor), expected: 'a live WasmTensor of this backend' },
      );
    }
    return region;
  }
}

/** A short description for error details (never the values: they can be megabytes). */
function describeTensor(tensor: unknown): string {
  if (typeof tensor !== 'object' || tensor === null) return String(tensor);
  const shape = (tensor as { shape?: unknown }).shape;
  return `${tensor.constructor?.name ?? 'object'} of shape ${JSON.stringify(shape)}`;
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

function checkShape(shape: readonly number[], field: string): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}: got ${JSON.stringify(shape)}, expected integers ≥ 0`,
      {
        field,
        value: shape,
        expected: 'an array of integers ≥ 0',
      },
    );
  }
  const size = elementCount(shape);
  if (size > 2 ** 28) {
    throw new ClipError('INVALID_GRADIENTS', `${field}: ${size} elements; expected at most 2^28 per tensor`, {
      field,
      value: size,
      expected: 'at most 2^28 elements (a wasm32 memory holds 4 GiB)',
    });
  }
  return shape;
}
