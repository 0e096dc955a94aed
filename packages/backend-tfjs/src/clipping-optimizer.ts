import {
  type AdapterOptions,
  ClipError,
  type Clipper,
  type ClipReport,
  createClipper,
  type ResolvedSpec,
  type StrategyState,
  specToJson,
} from '@gradclip/core';
import { type ClippingSetting, resolveClipping } from './clipping-settings.js';
import { buildTfjsBackend } from './tfjs-backend.js';
import type {
  ConfigDict,
  NamedTensor,
  NamedTensorMap,
  Optimizer,
  Scalar,
  Serializable,
  SerializableConstructor,
  Tensor,
  TfjsModule,
  Variable,
} from './tfjs-module.js';

/** The class name written to `model.json`; Keras's `package>name` convention for custom objects. */
export const CLIPPING_OPTIMIZER_CLASS_NAME = 'gradclip>ClippingOptimizer';

/** A `tf.Optimizer` that clips the final gradients of each step, then lets `inner` update. */
export interface ClippingOptimizer extends Optimizer {
  /** The wrapped optimizer, which owns the learning rate, the slots and the iteration count. */
  readonly inner: Optimizer;
  /** The validated spec; `null` when Keras options disable clipping (a threshold of 0). */
  readonly spec: ResolvedSpec | null;
  /** The report of the last step that clipped (norm before and after, scale, threshold, skipped…). */
  readonly lastReport: ClipReport | undefined;
  /**
   * The state of stateful kinds (`autoClip`, `zClip`, `adaGC`) as plain JSON data, `null` for
   * stateless specs. `model.save()` writes it with the spec; `tf.loadLayersModel()` resumes it.
   */
  readonly clipState: StrategyState | null;
}

export interface ClippingOptimizerOptions {
  /** Called with each step's report, e.g. to log the gradient norm and the threshold. */
  readonly onReport?: (report: ClipReport) => void;
  /** State to resume (from `clipState`, or a checkpoint); default fresh. */
  readonly state?: StrategyState | null;
}

export interface ClippingOptimizerClass extends SerializableConstructor<ClippingOptimizer> {
  new (inner: Optimizer, spec: ResolvedSpec | null, options?: ClippingOptimizerOptions): ClippingOptimizer;
}

export interface WithClippingOptions extends AdapterOptions, ClippingOptimizerOptions {
  /** The TensorFlow.js module whose `Optimizer` class and engine to use. */
  readonly tf: TfjsModule;
}

/**
 * Wraps a TF.js optimizer so every step clips its gradients first, Keras-style:
 * `model.compile({ optimizer: withClipping(tf.train.momentum(0.01, 0.9), { clipnorm: 1 }, { tf }) })`.
 * Accepts a gradclip spec or Keras options (`clipnorm` per tensor, `clipvalue`, `global_clipnorm`);
 * `nonFinite` / `compat` in the options fill in what the spec leaves out. Registers the class for
 * `model.save()` / `tf.loadLayersModel()` (see {@link registerClippingOptimizer}).
 */
export function withClipping(
  optimizer: Optimizer,
  clipping: ClippingSetting,
  options: WithClippingOptions,
): ClippingOptimizer {
  const { tf, onReport, state, ...defaults } = options;
  const spec = resolveClipping(clipping, defaults);
  const Class = registerClippingOptimizer(tf);
  return new Class(optimizer, spec, {
    ...(onReport === undefined ? {} : { onReport }),
    ...(state === undefined ? {} : { state }),
  });
}

/**
 * Defines the clipping optimizer class over `tf.Optimizer` and registers it with
 * `tf.serialization.registerClass`, so that `tf.loadLayersModel` can rebuild it from a saved
 * `model.json`. Call it once before loading a model saved with clipping. Nothing registers on import.
 */
export function registerClippingOptimizer(tf: TfjsModule): ClippingOptimizerClass {
  const Class = defineClippingOptimizer(tf);
  tf.serialization.registerClass(Class, 'gradclip', 'ClippingOptimizer');
  return Class;
}

function defineClippingOptimizer(tf: TfjsModule): ClippingOptimizerClass {
  const backend = buildTfjsBackend({ tf });

  class TfjsClippingOptimizer extends tf.Optimizer implements ClippingOptimizer {
    static get className(): string {
      return CLIPPING_OPTIMIZER_CLASS_NAME;
    }

    readonly inner: Optimizer;
    readonly spec: ResolvedSpec | null;
    #lastReport: ClipReport | undefined;
    readonly #clipper: Clipper<Tensor> | null;
    readonly #onReport: ((report: ClipReport) => void) | undefined;
    readonly #needsParameters: boolean;

    constructor(inner: Optimizer, spec: ResolvedSpec | null, options: ClippingOptimizerOptions = {}) {
      super();
      if (!(inner instanceof tf.Optimizer)) {
        throw new ClipError('INVALID_SPEC', 'optimizer: expected a tf.Optimizer such as tf.train.sgd(0.01)', {
          field: 'optimizer',
          value: inner,
          expected: 'a tf.Optimizer',
        });
      }
      this.inner = inner;
      this.spec = spec;
      this.#clipper =
        spec === null
          ? null
          : createClipper(spec, {
              backend,
              ...(options.state === undefined ? {} : { state: options.state }),
            });
      this.#needsParameters = spec !== null && usesParameters(spec);
      this.#onReport = options.onReport;
    }

    get lastReport(): ClipReport | undefined {
      return this.#lastReport;
    }

    get clipState(): StrategyState | null {
      return this.#clipper?.state ?? null;
    }

    override get iterations(): number {
      return this.inner.iterations;
    }

    override computeGradients(
      f: () => Scalar,
      varList?: Variable[],
    ): { value: Scalar; grads: NamedTensorMap } {
      return this.inner.computeGradients(f, varList);
    }

    /** As `Optimizer.minimize`, but frees the gradients and the cost when a step throws. */
    override minimize(f: () => Scalar, returnCost = false, varList?: Variable[]): Scalar | null {
      const { value, grads } = this.computeGradients(f, varList);
      try {
        this.applyGradients(
          varList == null ? grads : varList.map((v) => ({ name: v.name, tensor: grads[v.name] as Tensor })),
        );
      } catch (error) {
        value.dispose();
        throw error;
      } finally {
        tf.dispose(grads);
      }
      if (returnCost) return value;
      value.dispose();
      return null;
    }

    /** Clips once, on the gradients of this step as given (after any accumulation or unscaling). */
    override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
      if (this.#clipper === null) {
        this.inner.applyGradients(variableGradients);
        return;
      }
      const entries = Array.isArray(variableGradients)
        ? variableGradients
        : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
      // Variables without a gradient pass through, as in Keras; they take no part in the norm.
      const present = entries.filter((entry) => entry.tensor != null);
      if (present.length === 0) {
        this.inner.applyGradients(variableGradients);
        return;
      }
      const input: Record<string, Tensor> = {};
      for (const { name, tensor } of present) {
        if (Object.hasOwn(input, name)) {
          throw new ClipError('INVALID_GRADIENTS', `gradients: the variable name "${name}" appears twice`, {
            field: `gradients[${JSON.stringify(name)}]`,
            value: name,
            expected: 'one gradient per variable',
          });
        }
        input[name] = tensor;
      }
      const { gradients: clipped, report } = this.#clipper.clipSync(
        input,
        this.#needsParameters ? { parameters: variablesOf(tf, Object.keys(input)) } : {},
      );
      this.#lastReport = report;
      try {
        this.#onReport?.(report);
        if (report.skipped) return;
        const pick = (name: string, tensor: Tensor) => (tensor == null ? tensor : (clipped[name] as Tensor));
        this.inner.applyGradients(
          Array.isArray(variableGradients)
            ? variableGradients.map(({ name, tensor }) => ({ name, tensor: pick(name, tensor) }))
            : Object.fromEntries(entries.map(({ name, tensor }) => [name, pick(name, tensor)])),
        );
      } finally {
        // Clipped tensors are ours; unchanged ones are the caller's and come back as the same objects.
        for (const name of Object.keys(input)) {
          const output = clipped[name];
          if (output !== undefined && output !== input[name]) output.dispose();
        }
      }
    }

    override async getWeights(): Promise<NamedTensor[]> {
      return this.inner.getWeights();
    }

    override async setWeights(weightValues: NamedTensor[]): Promise<void> {
      await this.inner.setWeights(weightValues);
    }

    override dispose(): void {
      this.inner.dispose();
    }

    override getConfig(): ConfigDict {
      return {
        optimizer: { className: this.inner.getClassName(), config: this.inner.getConfig() },
        clip: this.spec === null ? null : (specToJson(this.spec) as unknown as ConfigDict),
        ...(this.#clipper === null || this.#clipper.state === null
          ? {}
          : { clipState: { name: JSON.stringify(this.#clipper.state) } }),
      };
    }

    static override fromConfig<T extends Serializable>(
      cls: SerializableConstructor<T>,
      config: ConfigDict,
    ): T {
      const innerConfig = config.optimizer as ConfigDict | undefined;
      // tf.loadLayersModel turns class_name into className; accept both spellings.
      const className = innerConfig?.className ?? innerConfig?.class_name;
      const entry =
        typeof className === 'string'
          ? tf.serialization.SerializationMap.getMap().classNameMap[className]
          : undefined;
      if (innerConfig === undefined || entry === undefined) {
        throw new ClipError(
          'INVALID_SPEC',
          `config.optimizer.className: got ${JSON.stringify(className)}, expected the class name of a registered tf.Optimizer`,
          {
            field: 'config.optimizer.className',
            value: className,
            expected: 'a registered tf.Optimizer class name',
          },
        );
      }
      const [innerClass, innerFromConfig] = entry;
      const inner = innerFromConfig(
        innerClass,
        (innerConfig.config ?? {}) as ConfigDict,
      ) as unknown as Optimizer;
      const clip = config.clip;
      const spec = clip === null || clip === undefined ? null : resolveClipping(clip as never);
      const state = savedState(config.clipState);
      return new (cls as unknown as ClippingOptimizerClass)(
        inner,
        spec,
        state === undefined ? {} : { state },
      ) as unknown as T;
    }
  }
  return TfjsClippingOptimizer;
}

/**
 * The state as saved in `model.json`. `tf.loadLayersModel` camel-cases every string of the
 * optimizer config (`dense_Dense1/kernel` would come back as `denseDense1/kernel`) except a string
 * under a `name` key, so the state travels as JSON text under `name`.
 */
function savedState(value: unknown): StrategyState | null | undefined {
  if (value === undefined || value === null) return undefined;
  const text = (value as { name?: unknown }).name;
  if (typeof text !== 'string') {
    throw new ClipError(
      'INVALID_SPEC',
      'config.clipState.name: expected the clip state as JSON text (from getConfig)',
      {
        field: 'config.clipState.name',
        value: text,
        expected: 'JSON text',
      },
    );
  }
  try {
    return JSON.parse(text) as StrategyState | null;
  } catch (cause) {
    throw new ClipError(
      'INVALID_SPEC',
      `config.clipState.name: not valid JSON (${(cause as Error).message})`,
      {
        field: 'config.clipState.name',
        value: text,
        expected: 'JSON text',
        cause,
      },
    );
  }
}

/** True when the spec (or a step of it) reads the parameters beside the gradients (`agc`). */
function usesParameters(spec: ResolvedSpec): boolean {
  if (spec.kind === 'chain') return spec.steps.some(usesParameters);
  return spec.kind === 'agc';
}

/**
 * The variables the gradients belong to, by name, from the engine that holds them: what `agc`
 * reads beside the gradients. `applyGradients` gets only names, as in every TF.js optimizer.
 */
function variablesOf(tf: TfjsModule, names: readonly string[]): Record<string, Tensor> {
  const engine = (tf as unknown as { engine?: () => { registeredVariables: Record<string, Variable> } })
    .engine;
  const registered = engine?.().registeredVariables ?? {};
  const variables: Record<string, Tensor> = {};
  for (const name of names) {
    const variable = registered[name];
    if (variable === undefined) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `gradients["${name}"]: no variable of that name is registered; "agc" reads each gradient's variable`,
        {
          field: `gradients[${JSON.stringify(name)}]`,
          value: name,
          expected: 'the name of a tf.Variable',
        },
      );
    }
    variables[name] = variable;
  }
  return variables;
}
