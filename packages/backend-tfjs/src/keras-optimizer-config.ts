import { type AdapterOptions, ClipError, type KerasClipOptions } from '@gradclip/core';
import { CLIPPING_OPTIMIZER_CLASS_NAME, type ClippingOptimizer, withClipping } from './clipping-optimizer.js';
import type { IOHandler, ModelArtifacts, Optimizer, TfjsModule } from './tfjs-module.js';

/** `training_config.optimizer_config` of a Keras `model.json`, e.g. `{ class_name: 'SGD', config: {...} }`. */
export interface KerasOptimizerConfig {
  readonly class_name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface KerasImportOptions extends AdapterOptions {
  readonly tf: TfjsModule;
}

/** Keras settings TF.js optimizers cannot honour: refused by name instead of dropped. */
const UNSUPPORTED: readonly (readonly [string, (value: unknown) => boolean])[] = [
  ['weight_decay', (value) => value != null && value !== 0],
  ['use_ema', (value) => value === true],
  ['gradient_accumulation_steps', (value) => value != null],
  ['loss_scale_factor', (value) => value != null],
  ['amsgrad', (value) => value === true],
];

/**
 * Builds the optimizer a Keras training config describes, keeping what TF.js's own import drops:
 * `clipnorm` (per tensor), `clipvalue` and `global_clipnorm` with Keras 3 meaning, and SGD's
 * `momentum` / `nesterov`. TF.js's `loadTrainingConfig` reads only each optimizer's TF.js
 * constructor arguments (`SGDOptimizer.fromConfig` takes just the learning rate).
 */
export function optimizerFromKerasConfig(
  optimizerConfig: KerasOptimizerConfig,
  options: KerasImportOptions,
): ClippingOptimizer {
  const { tf, ...adapter } = options;
  const className = optimizerConfig?.class_name;
  const config = optimizerConfig?.config ?? {};
  for (const [key, unsupported] of UNSUPPORTED) {
    if (unsupported(config[key])) {
      throw new ClipError(
        'INVALID_SPEC',
        `optimizer_config.config.${key}: got ${JSON.stringify(config[key])}, expected it unset; TF.js optimizers have no such setting`,
        { field: `optimizer_config.config.${key}`, value: config[key], expected: 'unset' },
      );
    }
  }
  const number = (key: string, fallback: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number') {
      throw new ClipError(
        'INVALID_SPEC',
        `optimizer_config.config.${key}: got ${JSON.stringify(value)}, expected a number (schedules are not supported)`,
        { field: `optimizer_config.config.${key}`, value, expected: 'a number' },
      );
    }
    return value;
  };
  const learningRate = (fallback: number) =>
    number(config.learning_rate === undefined ? 'lr' : 'learning_rate', fallback);
  const inner = buildOptimizer(tf, className, config, number, learningRate);
  const clipping: KerasClipOptions = {
    ...(config.clipnorm == null ? {} : { clipnorm: config.clipnorm as number }),
    ...(config.clipvalue == null ? {} : { clipvalue: config.clipvalue as number }),
    ...(config.global_clipnorm == null ? {} : { global_clipnorm: config.global_clipnorm as number }),
  };
  return withClipping(inner, clipping, { tf, ...adapter });
}

function buildOptimizer(
  tf: TfjsModule,
  className: string,
  config: Readonly<Record<string, unknown>>,
  number: (key: string, fallback: number) => number,
  learningRate: (fallback: number) => number,
): Optimizer {
  // Keras 3 defaults for what a config leaves out.
  switch (className) {
    case 'SGD': {
      const momentum = number('momentum', 0);
      return momentum > 0
        ? tf.train.momentum(learningRate(0.01), momentum, config.nesterov === true)
        : tf.train.sgd(learningRate(0.01));
    }
    case 'Adam':
      return tf.train.adam(
        learningRate(0.001),
        number('beta_1', 0.9),
        number('beta_2', 0.999),
        number('epsilon', 1e-7),
      );
    case 'Adamax':
      return tf.train.adamax(
        learningRate(0.001),
        number('beta_1', 0.9),
        number('beta_2', 0.999),
        number('epsilon', 1e-7),
      );
    case 'RMSprop':
    case 'RMSProp':
      return tf.train.rmsprop(
        learningRate(0.001),
        number('rho', 0.9),
        number('momentum', 0),
        number('epsilon', 1e-7),
        config.centered === true,
      );
    case 'Adagrad':
      return tf.train.adagrad(learningRate(0.001), number('initial_accumulator_value', 0.1));
    case 'Adadelta':
      return tf.train.adadelta(learningRate(0.001), number('rho', 0.95), number('epsilon', 1e-7));
    default:
      throw new ClipError(
        'INVALID_SPEC',
        `optimizer_config.class_name: got ${JSON.stringify(className)}, expected one of SGD, Adam, Adamax, RMSprop, Adagrad, Adadelta`,
        {
          field: 'optimizer_config.class_name',
          value: className,
          expected: 'SGD, Adam, Adamax, RMSprop, Adagrad or Adadelta',
        },
      );
  }
}

/**
 * Rewrites a Keras model's artifacts so that `tf.loadLayersModel` compiles it with the clipping
 * optimizer (clip settings kept) instead of TF.js's, which drops them. Artifacts already saved by
 * TF.js, or without a training config, come back unchanged.
 */
export function restoreKerasClipping(artifacts: ModelArtifacts, options: KerasImportOptions): ModelArtifacts {
  const trainingConfig = artifacts.trainingConfig;
  const optimizerConfig = trainingConfig?.optimizer_config as unknown as KerasOptimizerConfig | undefined;
  if (trainingConfig === undefined || optimizerConfig === undefined) return artifacts;
  if (optimizerConfig.class_name === CLIPPING_OPTIMIZER_CLASS_NAME) return artifacts;
  const optimizer = optimizerFromKerasConfig(optimizerConfig, options);
  try {
    return {
      ...artifacts,
      trainingConfig: {
        ...trainingConfig,
        optimizer_config: { class_name: CLIPPING_OPTIMIZER_CLASS_NAME, config: optimizer.getConfig() },
      },
    };
  } finally {
    optimizer.dispose();
  }
}

/**
 * Wraps a load handler so that a Keras model keeps its clip settings:
 * `await tf.loadLayersModel(withKerasClipping(tf.io.http(url), { tf }))`.
 */
export function withKerasClipping(handler: IOHandler, options: KerasImportOptions): IOHandler {
  const load = handler.load;
  if (load === undefined) {
    throw new ClipError('INVALID_SPEC', 'handler.load: got undefined, expected an IOHandler that can load', {
      field: 'handler.load',
      value: undefined,
      expected: 'an IOHandler with load()',
    });
  }
  return { ...handler, load: async () => restoreKerasClipping(await load.call(handler), options) };
}
