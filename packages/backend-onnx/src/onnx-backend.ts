import { type ClipBackend, ClipError } from '@gradclip/core';
import type { BackendManifest } from '@gradclip/core/backend';
import { dataOf, GraphRunner } from './graph-runner.js';
import { clampTensors, scaleTensors, zeroNonFiniteTensors } from './onnx-elementwise.js';
import { summarizeTensors } from './onnx-summarize.js';
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

  const runner = new GraphRunner(ort, sessions, maxTensorsPerRun);

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
    fromHost: async (values, shape) => runner.tensor(values.slice(), shape),
    toHost: async (input) => dataOf(input).slice(),
    summarize: (tensors, request) => summarizeTensors(runner, tensors, request),
    scale: (tensors, requests) => scaleTensors(runner, tensors, requests),
    clamp: (tensors, bounds) => clampTensors(runner, tensors, bounds),
    zeroNonFinite: (tensors) => zeroNonFiniteTensors(runner, tensors),
    release: (tensors) => {
      for (const input of tensors) input.dispose();
    },
    dispose: () => sessions.dispose(),
  };
}
