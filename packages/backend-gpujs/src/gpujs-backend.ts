import { createRequire } from 'node:module';
import {
  type BackendManifest,
  type ClipBackend,
  ClipError,
  type ExpectedFailure,
  type HostTensor,
} from '@gradclip/core';
import { checkHostTensor } from '@gradclip/core/reference';
import { clampTensors, scaleTensors, zeroNonFiniteTensors } from './elementwise-kernels.js';
import { GPUJS_MODES, type GpujsMode, KERNEL_CLASS_OF_MODE, startGpu } from './gpujs-mode.js';
import { KernelCache } from './kernel-cache.js';
import { StagingBuffers } from './staging-buffers.js';
import { summarizeTensors } from './summarize-kernels.js';
import type { WebgpuSetupOptions } from './webgpu-navigator.js';

/** Host float32 data with a shape: what gpu.js kernels take as arguments. */
export type GpujsTensor = HostTensor;

export interface GpujsBackendOptions {
  /** The gpu.js mode to run; it is used exactly, or the factory fails (no silent fallback). */
  readonly mode: GpujsMode;
  /**
   * `webasm` only: run kernels under gpu.js's async contract, which splits kernels of 4096+ output
   * cells across a worker_threads pool. Default false (synchronous, single-threaded SIMD).
   */
  readonly threads?: boolean;
  /** `webgpu` only: the Dawn set-up. */
  readonly webgpu?: WebgpuSetupOptions;
}

export interface GpujsBackend extends ClipBackend<GpujsTensor> {
  readonly mode: GpujsMode;
  /** The gpu.js kernel class every kernel ran on, checked after each run. */
  readonly kernelClass: string;
  readonly threads: boolean;
  /** Kernels compiled so far; bounded by the shape classes used, never grows per call. */
  readonly compiledKernels: number;
  /** webasm with threads: kernel runs that went through the worker pool. */
  readonly threadedRuns: number;
  /** Measured at start: whether the engine flushes subnormal float32 values to zero. */
  readonly flushesSubnormals: boolean;
}

const require = createRequire(import.meta.url);
const GPUJS_VERSION = (require('gpu.js/package.json') as { version: string }).version;

/** Cases of the conformance kit whose expected bits hold subnormal results or inputs. */
const SUBNORMAL_CASES = ['norm/subnormals', 'globalNorm/subnormals'] as const;

/**
 * Creates a gradclip backend on gpu.js in one explicit mode: `cpu`, `webasm` (optionally threaded),
 * `webgpu` (Dawn through the npm package `webgpu`, set up here) or `headlessgl` (needs an X display).
 * Fails with `ClipError('BACKEND_UNAVAILABLE')` when the mode cannot start.
 */
export async function createGpujsBackend(options: GpujsBackendOptions): Promise<GpujsBackend> {
  const { mode } = options;
  if (!GPUJS_MODES.includes(mode)) {
    throw new ClipError(
      'INVALID_SPEC',
      `createGpujsBackend: mode ${JSON.stringify(mode)} is not a gpu.js mode`,
      {
        field: 'mode',
        value: mode,
        expected: GPUJS_MODES.map((name) => `"${name}"`).join(', '),
      },
    );
  }
  const threads = mode === 'webasm' && options.threads === true;
  if (options.threads === true && mode !== 'webasm') {
    throw new ClipError('INVALID_SPEC', `createGpujsBackend: threads apply to mode "webasm", not "${mode}"`, {
      field: 'threads',
      value: true,
      expected: 'threads only with mode "webasm"',
    });
  }
  const id = `gpujs:${mode}${threads ? '-threaded' : ''}`;
  const staging = new StagingBuffers();
  let cache: KernelCache | undefined;
  let flushesSubnormals = false;
  await startGpu({
    mode,
    threads,
    webgpu: options.webgpu ?? {},
    // Compiles and runs a kernel inside the mode's set-up (webgpu acquires its device here), checks
    // the kernel class, and measures whether subnormals survive: 2^-140 · 2^100 must be 2^-40.
    warmUp: async ({ gpu, asyncKernels }) => {
      cache = new KernelCache(gpu, mode, asyncKernels);
      const context = { cache, staging, id, flushesSubnormals: false };
      const [probe] = await scaleTensors(
        context,
        [new Float32Array([2 ** -140])],
        [
          {
            layout: { shape: [1], axes: null, sliceCount: 1, size: 1 },
            order: 'multiply',
            multipliers: new Float32Array([2 ** 100]),
          },
        ],
      );
      flushesSubnormals = probe?.[0] !== 2 ** -40;
    },
  });
  if (cache === undefined) throw new Error('unreachable: warm-up did not run');
  const kernels = cache;
  const context = { cache: kernels, staging, id, flushesSubnormals };
  const expectedFailures: ExpectedFailure[] = flushesSubnormals
    ? SUBNORMAL_CASES.map((caseId) => ({
        caseId,
        kind: 'mismatch',
        reason: `${id} flushes subnormal float32 values to zero (measured at start: 2^-140 · 2^100 gave 0, not 2^-40)`,
      }))
    : [];
  const manifest: BackendManifest = {
    maxUlp: 0,
    capabilities: ['axes', 'largeTensors'],
    expectedFailures,
    notes: [
      `gpu.js ${GPUJS_VERSION}, mode ${mode}${threads ? ' (threaded, async contract)' : ''}, kernel class ${KERNEL_CLASS_OF_MODE[mode]}`,
      'Norms: per-chunk float-float power sums of exactly pre-scaled values, finished in float64 with Neumaier compensation.',
      'Orders p = 1, 2 and ∞ only: float32 kernels have no error-free power for other orders (no generalP).',
      ...(flushesSubnormals
        ? ['This engine flushes subnormal float32 values to zero (measured at start).']
        : []),
    ],
  };
  const valuesOf = (tensors: readonly GpujsTensor[]) => tensors.map((tensor) => tensor.values);
  const wrap = (tensors: readonly GpujsTensor[], outputs: Float32Array[]): GpujsTensor[] =>
    outputs.map((values, i) => ({ shape: (tensors[i] as GpujsTensor).shape, values }));
  return {
    id,
    name: `gpu.js ${mode}${threads ? ' (threaded)' : ''}`,
    version: GPUJS_VERSION,
    manifest,
    mode,
    kernelClass: KERNEL_CLASS_OF_MODE[mode],
    threads,
    get compiledKernels() {
      return kernels.compilations;
    },
    get threadedRuns() {
      return kernels.threadedRuns;
    },
    flushesSubnormals,
    shapeOf: checkHostTensor,
    nameOf: (tensor) => tensor.name,
    fromHost: async (values, shape) => ({ shape: [...shape], values: values.slice() }),
    toHost: async (tensor) => tensor.values.slice(),
    summarize: (tensors, request) => summarizeTensors(context, valuesOf(tensors), request),
    scale: async (tensors, requests) =>
      wrap(tensors, await scaleTensors(context, valuesOf(tensors), requests)),
    clamp: async (tensors, bounds) => wrap(tensors, await clampTensors(context, valuesOf(tensors), bounds)),
    zeroNonFinite: async (tensors) => wrap(tensors, await zeroNonFiniteTensors(context, valuesOf(tensors))),
    release: () => {},
    dispose: async () => {
      staging.clear();
      await kernels.destroy();
    },
  };
}
