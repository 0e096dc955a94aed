import { type ClipBackend, ClipError } from '@gradclip/core';
import type { BackendManifest, ExpectedFailure, ScaleRequest } from '@gradclip/core/backend';
import { clampValues, scaleValues } from '@gradclip/core/reference';
import type { GPU } from 'gpu.js';
import { GPUJS_VERSION } from '#gpujs-platform';
import {
  checkTensor,
  DEVICE_ELEMENT_LIMIT,
  DEVICE_TYPE_OF_MODE,
  type GpujsDeviceData,
  type GpujsTensor,
  isDeviceTensor,
  type TensorData,
} from './device-tensor.js';
import { clampTensors, scaleTensors, uploadToDevice, zeroNonFiniteTensors } from './elementwise-kernels.js';
import { createExclusiveQueue } from './exclusive-queue.js';
import { GPUJS_MODES, type GpujsMode, KERNEL_CLASS_OF_MODE, startGpu } from './gpujs-mode.js';
import { KernelCache } from './kernel-cache.js';
import { StagingBuffers } from './staging-buffers.js';
import { summarizeTensors } from './summarize-tensors.js';
import type { WebgpuSetupOptions } from './webgpu-navigator.js';

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
  /**
   * Where `fromHost` puts tensors. `'host'` (default): `{ shape, values: Float32Array }`.
   * `'device'` (webgpu, headlessgl): a device tensor, uploaded by a pipeline kernel.
   */
  readonly residency?: 'host' | 'device';
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
  /**
   * The backend's gpu.js instance. Device tensors must come from its kernels (`pipeline: true`,
   * `precision: 'single'`): a GL texture cannot be read from another context.
   */
  readonly gpu: GPU;
  /** Where `fromHost` puts tensors. */
  readonly residency: 'host' | 'device';
  /** Floats read back from the device by reductions (per-chunk rows) and host-tensor kernels. */
  readonly hostFloatsRead: number;
}

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
  const residency = options.residency ?? 'host';
  if (residency !== 'host' && (residency !== 'device' || DEVICE_TYPE_OF_MODE[mode] === undefined)) {
    throw new ClipError(
      'INVALID_SPEC',
      `createGpujsBackend: residency ${JSON.stringify(residency)} is not available in mode "${mode}"`,
      {
        field: 'residency',
        value: residency,
        expected: `"host", or "device" with mode "webgpu" or "headlessgl" (${mode} pipeline outputs are host arrays)`,
      },
    );
  }
  const id = `gpujs:${mode}${threads ? '-threaded' : ''}`;
  const created = new WeakSet<object>();
  const staging = new StagingBuffers();
  const exclusive = createExclusiveQueue();
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
      const context = { cache, staging, id, flushesSubnormals: false, created };
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
      flushesSubnormals = (probe as Float32Array | undefined)?.[0] !== 2 ** -40;
    },
  });
  if (cache === undefined) throw new Error('unreachable: warm-up did not run');
  const kernels = cache;
  const context = { cache: kernels, staging, id, flushesSubnormals, created };
  const flushReason = `${id} flushes subnormal float32 values to zero (measured at start: 2^-140 · 2^100 gave 0, not 2^-40)`;
  // Host tensors: norms finished on the host, results flushed. Device tensors: the kernels read the
  // subnormals as 0 and the host has no copy to finish those chunks from (measured: both kinds).
  const expectedFailures: ExpectedFailure[] = !flushesSubnormals
    ? []
    : residency === 'host'
      ? SUBNORMAL_CASES.map((caseId) => ({ caseId, kind: 'mismatch', reason: flushReason }))
      : SUBNORMAL_CASES.flatMap((caseId) =>
          (['mismatch', 'report-mismatch'] as const).map((kind) => ({
            caseId,
            kind,
            reason: `${flushReason}; the kernels read device inputs' subnormals as 0, so a subnormal tensor's norm is 0 and it is not clipped`,
          })),
        );
  const manifest: BackendManifest = {
    maxUlp: 0,
    // fromHost puts kit inputs on the device, where tensors hold at most 2^24 elements.
    capabilities: residency === 'device' ? ['axes', 'generalP'] : ['axes', 'generalP', 'largeTensors'],
    expectedFailures,
    notes: [
      `gpu.js ${GPUJS_VERSION}, mode ${mode}${threads ? ' (threaded, async contract)' : ''}, kernel class ${KERNEL_CLASS_OF_MODE[mode]}`,
      'Norms: per-chunk float-float power sums of exactly pre-scaled values, finished in float64 with Neumaier compensation.',
      "Orders p = 1, 2 and ∞ run in gpu.js kernels; other orders are summarised on the host with the oracle's loop (float32 kernels have no error-free power), reading a device tensor back.",
      DEVICE_TYPE_OF_MODE[mode] === undefined
        ? `No device tensors in mode ${mode}: gpu.js pipeline outputs are Float32Arrays here; pass them as { shape, values }.`
        : `Device tensors: { shape, device } with a ${DEVICE_TYPE_OF_MODE[mode]} pipeline output of backend.gpu, up to ${DEVICE_ELEMENT_LIMIT} elements; scale/clamp/zeroNonFinite return pipeline outputs, summarize reads back 9 floats per 1024 elements.`,
      ...(flushesSubnormals
        ? ['This engine flushes subnormal float32 values to zero (measured at start).']
        : []),
    ],
  };
  // GLSL divides only within 2.5 ULP and leaves the sign of a zero uniform to the driver (measured:
  // headlessgl on llvmpipe, WebGL on SwiftShader): divisions (compat "keras" per tensor, "optax") and
  // -0 clamp bounds run the oracle's loop on the host instead, reading device tensors back.
  const glArithmetic = mode === 'headlessgl' || mode === 'webgl' || mode === 'webgl2';
  const onHost = async (
    tensors: readonly GpujsTensor[],
    run: (values: Float32Array, i: number) => Float32Array,
  ): Promise<TensorData[]> => {
    const outputs: TensorData[] = [];
    for (const [i, tensor] of tensors.entries()) {
      const values = isDeviceTensor(tensor) ? await readDevice(tensor.device) : tensor.values;
      const result = run(values, i);
      outputs.push(isDeviceTensor(tensor) ? await uploadToDevice(context, result) : result);
    }
    return outputs;
  };
  const dataOf = (tensors: readonly GpujsTensor[]): TensorData[] =>
    tensors.map((tensor) => (isDeviceTensor(tensor) ? tensor.device : tensor.values));
  const wrap = (tensors: readonly GpujsTensor[], outputs: TensorData[]): GpujsTensor[] =>
    outputs.map((data, i) => {
      // A copy of the input's shape: sharing the array let an edit of one change the other.
      const shape = ownShape((tensors[i] as GpujsTensor).shape);
      return Object.freeze(data instanceof Float32Array ? { shape, values: data } : { shape, device: data });
    });
  const check = { id, mode, context: (kernels.gpu as unknown as { context?: unknown }).context };
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
    get hostFloatsRead() {
      return kernels.hostFloatsRead;
    },
    gpu: kernels.gpu,
    residency,
    shapeOf: (tensor, field) => checkTensor(check, tensor, field),
    nameOf: (tensor) => tensor.name,
    fromHost: async (values, shape) => {
      // Empty tensors stay on the host: gpu.js has no zero-sized texture or buffer.
      if (residency === 'host' || values.length === 0) {
        return Object.freeze({ shape: ownShape(shape), values: values.slice() });
      }
      const device = await exclusive(() => uploadToDevice(context, values));
      return Object.freeze({ shape: ownShape(shape), device });
    },
    toHost: async (tensor) =>
      isDeviceTensor(tensor) ? exclusive(() => readDevice(tensor.device)) : tensor.values.slice(),
    summarize: (tensors, request) => exclusive(() => summarizeTensors(context, dataOf(tensors), request)),
    scale: (tensors, requests) =>
      exclusive(async () =>
        wrap(
          tensors,
          glArithmetic && requests.some((request) => request.order !== 'multiply')
            ? await onHost(tensors, (values, i) => scaleValues(values, requests[i] as ScaleRequest))
            : await scaleTensors(context, dataOf(tensors), requests),
        ),
      ),
    clamp: (tensors, bounds) =>
      exclusive(async () =>
        wrap(
          tensors,
          glArithmetic && (Object.is(bounds.min, -0) || Object.is(bounds.max, -0))
            ? await onHost(tensors, (values) => clampValues(values, bounds))
            : await clampTensors(context, dataOf(tensors), bounds),
        ),
      ),
    zeroNonFinite: (tensors) =>
      exclusive(async () => wrap(tensors, await zeroNonFiniteTensors(context, dataOf(tensors)))),
    // Deletes only textures and buffers this backend made; a caller's pipeline outputs stay alive.
    release: (tensors) => {
      for (const tensor of tensors) {
        if (isDeviceTensor(tensor) && created.has(tensor.device)) tensor.device.delete();
      }
    },
    dispose: async () => {
      staging.clear();
      await kernels.destroy();
    },
  };
}

/**
 * The shape of a tensor this backend hands out: its own frozen copy, so that neither the caller's
 * input nor another output can change it (the values stay writable, like any host tensor's).
 */
function ownShape(shape: readonly number[]): readonly number[] {
  return Object.freeze([...shape]);
}

/** The data of a pipeline output as one flat Float32Array (gpu.js returns rows for 2-D and 3-D outputs). */
async function readDevice(data: GpujsDeviceData): Promise<Float32Array> {
  const result = (await data.toArray()) as Float32Array | Float32Array[] | Float32Array[][];
  if (result instanceof Float32Array) return result.slice();
  const flat: number[] = [];
  const visit = (value: unknown): void => {
    if (value instanceof Float32Array) for (const element of value) flat.push(element);
    else for (const item of value as unknown[]) visit(item);
  };
  visit(result);
  return new Float32Array(flat);
}
