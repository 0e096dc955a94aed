/**
 * The wasm backend: its options, its manifest, and `createWasmBackend`, which checks the runtime,
 * compiles the kernels, starts the threads and builds the backend object and its in-place view.
 */
import { type ClipBackend, ClipError } from '@gradclip/core';
import type {
  BackendManifest,
  ClampBounds,
  ScaleRequest,
  SummaryRequest,
  TensorSummary,
} from '@gradclip/core/backend';
import { defaultThreads, RUNTIME, usableThreads } from '#threads';
import { ClampSummaries } from './clamp-summaries.js';
import { clampTensors, scaleTensors, zeroNonFiniteTensors } from './elementwise-kernels.js';
import { JobRunner, RESERVED_BYTES } from './job-runner.js';
import type { KernelContext } from './kernel-context.js';
import { compileKernels } from './kernels/kernel-module.js';
import { LiveTensors } from './live-tensors.js';
import { MemoryPool, type MemoryPoolUsage } from './memory-pool.js';
import { summarizeTensors } from './summarize-kernels.js';
import { ThreadPool } from './thread-pool.js';
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
class WasmKernels implements KernelContext {
  readonly backend: WasmBackend;
  readonly tensors: LiveTensors;
  readonly jobs: JobRunner;
  readonly clampSummaries = new ClampSummaries();
  readonly #threads: ThreadPool;
  readonly #pool: MemoryPool;

  constructor(
    memory: WebAssembly.Memory,
    threads: ThreadPool,
    maximumBytes: number,
    parallelThreshold: number,
  ) {
    this.#threads = threads;
    this.#pool = new MemoryPool(memory, RESERVED_BYTES, maximumBytes);
    this.tensors = new LiveTensors(memory, this.#pool);
    this.jobs = new JobRunner(memory, threads, this.#pool, parallelThreshold);
    const common = {
      name: `gradclip WebAssembly SIMD (${threads.threads} thread${threads.threads === 1 ? '' : 's'})`,
      version: VERSION,
      manifest: WASM_MANIFEST,
      shapeOf: (tensor: WasmTensor, field: string) => this.tensors.shapeOf(tensor, field),
      nameOf: (tensor: WasmTensor) => tensor.name,
      fromHost: (values: Float32Array, shape: readonly number[]) => this.tensors.fromHost(values, shape),
      toHost: (tensor: WasmTensor) => this.tensors.toHost(tensor),
      summarize: (tensors: readonly WasmTensor[], request: SummaryRequest) =>
        summarizeTensors(this, tensors, request),
    };
    const inPlace: ClipBackend<WasmTensor> = {
      ...common,
      id: 'wasm:in-place',
      scale: (tensors, requests) => scaleTensors(this, tensors, requests, true),
      clamp: (tensors, bounds) => clampTensors(this, tensors, bounds, true),
      zeroNonFinite: (tensors) => zeroNonFiniteTensors(this, tensors, true),
      // Frees what the caller made (e.g. fromHost copies). Core never hands it a tensor it returns,
      // and in place every kernel returns its input, so no caller tensor is freed behind its back.
      release: (tensors) => this.tensors.release(tensors),
      dispose: () => this.dispose(),
    };
    this.backend = {
      ...common,
      id: 'wasm',
      threads: threads.threads,
      scale: (tensors, requests) => scaleTensors(this, tensors, requests, false),
      clamp: (tensors, bounds) => clampTensors(this, tensors, bounds, false),
      zeroNonFinite: (tensors) => zeroNonFiniteTensors(this, tensors, false),
      release: (tensors) => this.tensors.release(tensors),
      dispose: () => this.dispose(),
      createTensor: (shape, name) => this.tensors.createTensor(shape, name),
      inPlace,
      memoryUsage: () => this.#pool.usage,
    };
  }

  async dispose(): Promise<void> {
    if (this.tensors.disposed) return;
    this.tensors.markDisposed();
    await this.#threads.stop();
  }
}
