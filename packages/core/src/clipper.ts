import type { ClipBackend } from './backend.js';
import {
  type ClipperJson,
  exportState,
  importState,
  isStateful,
  type StrategyState,
} from './clipper-state.js';
import { ClipError, describeValue, invalid } from './errors.js';
import { type ClippedGradients, type Gradients, unpackGradients } from './gradient-container.js';
import { runAsync, runSync, type Steps } from './kernel-steps.js';
import { matchParameters } from './parameters.js';
import { parseSpec } from './parse-spec.js';
import type { HostTensor } from './reference/host-tensor.js';
import { createReferenceBackend } from './reference/reference-backend.js';
import type { ClipResult } from './report.js';
import type { ClipSpec, ResolvedSpec } from './spec.js';
import { specToJson } from './spec-to-json.js';
import { runStrategy } from './strategies/run-strategy.js';
import { type StateSlots, stateSlots } from './strategies/state-slots.js';
import { createStrategyContext, type StrategyContext } from './strategies/strategy-context.js';
import { parseTelemetry, type TelemetryOptions, telemetryOf } from './telemetry.js';

export interface ClipCallOptions<T = unknown> {
  /** Also report each input tensor's norm (`report.perTensorNorms`). Default false. */
  readonly perTensorNorms?: boolean;
  /**
   * The parameters beside the gradients, for `agc`: in the gradients' container (a list by
   * position, or a map by name; extra names allowed), each with its gradient's shape.
   */
  readonly parameters?: Gradients<T>;
  /** Extra report fields, computed only when asked: `{ topK: 5, clippedFraction: true }`. */
  readonly telemetry?: TelemetryOptions;
}

export interface ClipperOptions<T> extends ClipCallOptions<T> {
  /** The backend whose tensors are clipped. Default: the float64 reference backend on host tensors. */
  readonly backend?: ClipBackend<T>;
  /**
   * State to resume from, for specs with stateful kinds (`autoClip`, `zClip`, `adaGC`): a value of
   * `clipper.state` or the `state` of `clipper.toJSON()`, possibly through JSON. Default: fresh.
   */
  readonly state?: StrategyState | null;
}

/**
 * A validated spec bound to a backend. Create it once and call `clip` every step: the spec is
 * parsed once. Stateful strategies (adaptive thresholds) keep their state here: each call that
 * succeeds advances it, a call that throws leaves it as it was, and overlapping `clip` calls run
 * one after the other (in call order) so that every step sees the state of the one before.
 */
export interface Clipper<T> {
  readonly spec: ResolvedSpec;
  readonly backend: ClipBackend<T>;
  /** The state after the last successful call, as plain JSON data (a copy); null when the spec keeps none. */
  readonly state: StrategyState | null;
  /** The spec (JSON form) and the state, for checkpoints: `clipperFromJSON(json, { backend })` resumes it. */
  toJSON(): ClipperJson;
  clip<G extends Gradients<T>>(
    gradients: G,
    options?: ClipCallOptions<T>,
  ): Promise<ClipResult<ClippedGradients<G, T>>>;
  /** The same, synchronously, for backends whose kernels return values (not Promises). */
  clipSync<G extends Gradients<T>>(
    gradients: G,
    options?: ClipCallOptions<T>,
  ): ClipResult<ClippedGradients<G, T>>;
}

/** Validates `spec` once (throwing `ClipError('INVALID_SPEC')`) and binds it to a backend. */
export function createClipper<T = HostTensor>(
  spec: ClipSpec | ResolvedSpec,
  options: ClipperOptions<T> = {},
): Clipper<T> {
  const resolved = parseSpec(spec);
  const checked = checkOptions(options, 'options');
  const backend = checked.backend ?? (createReferenceBackend() as unknown as ClipBackend<T>);
  checkBackend(backend);
  const stateful = isStateful(resolved);
  let memories = importState(resolved, checked.state);
  const steps = <G extends Gradients<T>>(
    gradients: G,
    callOptions: ClipCallOptions<T> | undefined,
    pending: Map<ResolvedSpec, unknown>,
  ) => {
    const call = checkOptions(callOptions, 'callOptions');
    const telemetry = parseTelemetry(call.telemetry ?? checked.telemetry, 'options.telemetry');
    // Top-k reads the per-tensor norms.
    const perTensorNorms = call.perTensorNorms ?? checked.perTensorNorms ?? telemetry?.topK !== undefined;
    const parameters = call.parameters ?? checked.parameters;
    return clipSteps(
      resolved,
      backend,
      gradients,
      { perTensorNorms, parameters, telemetry },
      stateSlots(memories, pending),
    );
  };
  // Commits a successful call's state writes: a new map, so a state read elsewhere never changes.
  const commit = (pending: ReadonlyMap<ResolvedSpec, unknown>) => {
    if (pending.size === 0) return;
    const next = new Map(memories);
    for (const [spec, memory] of pending) next.set(spec, memory);
    memories = next;
  };
  let queue: Promise<unknown> = Promise.resolve();
  const clipAsync = <G extends Gradients<T>>(gradients: G, callOptions: ClipCallOptions<T> | undefined) => {
    const run = async () => {
      const pending = new Map<ResolvedSpec, unknown>();
      const result = await runAsync(steps(gradients, callOptions, pending));
      commit(pending);
      return result;
    };
    if (!stateful) return rejectOnThrow(run);
    // Stateful: each call starts when the previous one has settled, whatever its outcome.
    const result = queue.then(run, run);
    queue = result.catch(() => {});
    return result;
  };
  return {
    spec: resolved,
    backend,
    get state() {
      return exportState(resolved, memories);
    },
    toJSON: () => ({
      format: 'gradclip-clipper',
      version: 1,
      spec: specToJson(resolved),
      state: exportState(resolved, memories),
    }),
    // An async API reports every failure, validation included, as a rejection.
    clip: (gradients, callOptions) => clipAsync(gradients, callOptions),
    clipSync: (gradients, callOptions) => {
      const pending = new Map<ResolvedSpec, unknown>();
      const result = runSync(steps(gradients, callOptions, pending), backend.id);
      commit(pending);
      return result;
    },
  };
}

/**
 * A clipper from `clipper.toJSON()` (or its JSON text parsed): the same spec, resuming the same
 * state, on `options.backend`. Bad input is a `ClipError('INVALID_SPEC')` naming the field.
 */
export function clipperFromJSON<T = HostTensor>(
  json: ClipperJson | unknown,
  options: Omit<ClipperOptions<T>, 'state'> = {},
): Clipper<T> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid('INVALID_SPEC', 'json', json, 'an object from clipper.toJSON()');
  }
  const record = json as Record<string, unknown>;
  if (!Object.hasOwn(record, 'format') || record.format !== 'gradclip-clipper') {
    throw invalid(
      'INVALID_SPEC',
      'json.format',
      record.format,
      '"gradclip-clipper" (an object from clipper.toJSON())',
    );
  }
  if (record.version !== 1) {
    throw invalid('INVALID_SPEC', 'json.version', record.version, '1 (the only clipper format so far)');
  }
  const spec = parseSpec(record.spec, 'json.spec');
  // Validated here so that a bad state names json.state rather than options.state.
  importState(spec, record.state, 'json.state');
  return createClipper<T>(spec, { ...options, state: record.state as StrategyState | null });
}

/**
 * Clips gradients by `spec` in one call: `await clip(grads, { kind: 'globalNorm', maxNorm: 1 })`.
 * Returns new gradients in the same container (tensors that need no change are returned as they
 * are, never copied) and a report. Inputs are never mutated.
 */
export function clip<T = HostTensor, G extends Gradients<T> = Gradients<T>>(
  gradients: G,
  spec: ClipSpec | ResolvedSpec,
  options: ClipperOptions<T> = {},
): Promise<ClipResult<ClippedGradients<G, T>>> {
  // createClipper throws on a bad spec; clip() must reject instead, so `.catch` sees it.
  return rejectOnThrow(() => createClipper<T>(spec, options).clip(gradients, options));
}

/**
 * `clip` for synchronous backends (every kernel returns a value): the same contract and bits, for
 * hooks that cannot await, such as a TF.js optimizer's `applyGradients` inside `model.fit`.
 */
export function clipSync<T = HostTensor, G extends Gradients<T> = Gradients<T>>(
  gradients: G,
  spec: ClipSpec | ResolvedSpec,
  options: ClipperOptions<T> = {},
): ClipResult<ClippedGradients<G, T>> {
  return createClipper<T>(spec, options).clipSync(gradients, options);
}

function* clipSteps<T, G extends Gradients<T>>(
  spec: ResolvedSpec,
  backend: ClipBackend<T>,
  gradients: G,
  options: {
    readonly perTensorNorms: boolean;
    readonly parameters: Gradients<T> | undefined;
    readonly telemetry: TelemetryOptions | undefined;
  },
  state: StateSlots,
): Steps<ClipResult<ClippedGradients<G, T>>> {
  const unpacked = unpackGradients(gradients, backend);
  const inputs = unpacked.entries.map((entry) => entry.tensor);
  const parameters =
    options.parameters === undefined
      ? undefined
      : matchParameters(options.parameters, gradients, unpacked.entries, backend);
  const context = createStrategyContext(backend, unpacked.entries, options.perTensorNorms, state, parameters);
  let outputs: readonly T[] = [];
  try {
    const result = yield* runStrategy(spec, inputs, context);
    outputs = result.tensors;
    const telemetry =
      options.telemetry === undefined
        ? {}
        : yield* telemetryOf(context, inputs, outputs, result.report, options.telemetry);
    const report = { ...result.report, decisions: { ...context.decisions }, ...telemetry };
    return { gradients: unpacked.repack(outputs) as ClippedGradients<G, T>, report };
  } finally {
    releaseIntermediates(context, outputs);
  }
}

function rejectOnThrow<R>(run: () => Promise<R>): Promise<R> {
  try {
    return run();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Options objects (`undefined` for none); `null` or a number is a caller bug worth naming. */
function checkOptions<T>(options: ClipperOptions<T> | undefined, field: string): ClipperOptions<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(
      'INVALID_SPEC',
      field,
      options,
      'an options object such as { perTensorNorms: true }, or nothing',
    );
  }
  const { perTensorNorms } = options;
  if (perTensorNorms !== undefined && typeof perTensorNorms !== 'boolean') {
    throw invalid('INVALID_SPEC', `${field}.perTensorNorms`, perTensorNorms, 'true or false');
  }
  return options;
}

/** The members core calls; a backend without them would fail later with a bare TypeError. */
const BACKEND_METHODS = ['shapeOf', 'toHost', 'scale', 'clamp', 'zeroNonFinite', 'release'] as const;
/** Optional members: absent, or functions. */
const OPTIONAL_BACKEND_METHODS = ['summarize', 'nameOf'] as const;

export function checkBackend<T>(backend: ClipBackend<T>): void {
  if (typeof backend !== 'object' || backend === null) {
    throw new ClipError(
      'BACKEND_CONTRACT',
      `options.backend: got ${describeValue(backend)}, expected a backend object (see "Write a backend")`,
      { field: 'options.backend', value: backend, expected: 'a ClipBackend' },
    );
  }
  const members = backend as unknown as Record<string, unknown>;
  for (const method of [...BACKEND_METHODS, ...OPTIONAL_BACKEND_METHODS]) {
    const member = members[method];
    const optional = (OPTIONAL_BACKEND_METHODS as readonly string[]).includes(method);
    if (typeof member === 'function' || (optional && member === undefined)) continue;
    const field = `options.backend.${method}`;
    const expected = optional ? 'a function or nothing' : 'a function';
    throw new ClipError(
      'BACKEND_CONTRACT',
      `${field}: got ${describeValue(member)}, expected ${expected} (a backend provides ${BACKEND_METHODS.join(', ')}; see "Write a backend")`,
      { field, value: member, expected },
    );
  }
}

/** Releases what core created and does not return (all of it when the call failed). */
export function releaseIntermediates<T>(context: StrategyContext<T>, outputs: readonly T[]): void {
  if (context.created.size === 0) return;
  const kept = new Set(outputs);
  const garbage = [...context.created].filter((tensor) => !kept.has(tensor));
  if (garbage.length > 0) context.backend.release(garbage);
}
