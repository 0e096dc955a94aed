import type { ClipBackend } from './backend.js';
import { ClipError, describeValue, invalid } from './errors.js';
import { type ClippedGradients, type Gradients, unpackGradients } from './gradient-container.js';
import { runAsync, runSync, type Steps } from './kernel-steps.js';
import { parseSpec } from './parse-spec.js';
import type { HostTensor } from './reference/host-tensor.js';
import { createReferenceBackend } from './reference/reference-backend.js';
import type { ClipResult } from './report.js';
import type { ClipSpec, ResolvedSpec } from './spec.js';
import { runStrategy } from './strategies/run-strategy.js';
import { createStrategyContext, type StrategyContext } from './strategies/strategy-context.js';

export interface ClipCallOptions {
  /** Also report each input tensor's norm (`report.perTensorNorms`). Default false. */
  readonly perTensorNorms?: boolean;
}

export interface ClipperOptions<T> extends ClipCallOptions {
  /** The backend whose tensors are clipped. Default: the float64 reference backend on host tensors. */
  readonly backend?: ClipBackend<T>;
}

/**
 * A validated spec bound to a backend. Create it once and call `clip` every step: the spec is
 * parsed once. Stateful strategies (adaptive thresholds) keep their state here.
 */
export interface Clipper<T> {
  readonly spec: ResolvedSpec;
  readonly backend: ClipBackend<T>;
  clip<G extends Gradients<T>>(
    gradients: G,
    options?: ClipCallOptions,
  ): Promise<ClipResult<ClippedGradients<G, T>>>;
  /** The same, synchronously, for backends whose kernels return values (not Promises). */
  clipSync<G extends Gradients<T>>(
    gradients: G,
    options?: ClipCallOptions,
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
  const steps = <G extends Gradients<T>>(gradients: G, callOptions: ClipCallOptions | undefined) => {
    const call = checkOptions(callOptions, 'callOptions');
    return clipSteps(resolved, backend, gradients, call.perTensorNorms ?? checked.perTensorNorms ?? false);
  };
  return {
    spec: resolved,
    backend,
    // An async API reports every failure, validation included, as a rejection.
    clip: (gradients, callOptions) => rejectOnThrow(() => runAsync(steps(gradients, callOptions))),
    clipSync: (gradients, callOptions) => runSync(steps(gradients, callOptions), backend.id),
  };
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
  perTensorNorms: boolean,
): Steps<ClipResult<ClippedGradients<G, T>>> {
  const unpacked = unpackGradients(gradients, backend);
  const inputs = unpacked.entries.map((entry) => entry.tensor);
  const context = createStrategyContext(backend, unpacked.entries, perTensorNorms);
  let outputs: readonly T[] = [];
  try {
    const result = yield* runStrategy(spec, inputs, context);
    outputs = result.tensors;
    const report = { ...result.report, decisions: { ...context.decisions } };
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
