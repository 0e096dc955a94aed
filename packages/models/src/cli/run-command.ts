import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ClipSpec, fromKerasOptions, parseSpecJson, type ResolvedSpec } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnistFiles } from '../datasets/fashion-mnist-files.js';
import { loadFashionMnist } from '../datasets/fashion-mnist-package.js';
import { ModelsError } from '../errors.js';
import { runAddingExperiment } from '../experiments/adding-experiment.js';
import type { ExperimentResult } from '../experiments/experiment-result.js';
import { runFashionMnistExperiment } from '../experiments/fashion-mnist-experiment.js';
import { runRegressionExperiment } from '../experiments/regression-experiment.js';
import { toJsonText } from '../training/history.js';
import { createTerminalProgress, type ProgressStream } from '../training/progress.js';
import { BACKEND_IDS, loadClipping } from './load-clipping.js';

export const USAGE = `Usage: gradclip-models <regression | fashion-mnist | adding> [options]

Clipping (at most one; none trains unclipped):
  --spec <json>              a gradclip spec, e.g. '{"kind":"value","min":-5,"max":5}'
  --spec-file <path>         the same, read from a file
  --clipvalue <v>            Keras options, Keras 3 meaning (clipnorm is per tensor)
  --clipnorm <v>
  --global-clipnorm <v>
  --backend <id>             clipping backend: ${BACKEND_IDS.join(', ')} (id:mode allowed). Default reference

Training:
  --epochs <n>  --batch-size <n>  --seed <n>  --learning-rate <x> (fashion-mnist, adding)
  --train-limit <n>          fashion-mnist: first n training images only
  --data <directory>         fashion-mnist: the original IDX files instead of the npm package
  --length <n>               adding: sequence length (default 100)
  --tfjs-backend <cpu|wasm>  TF.js backend of the model (default cpu: bit-reproducible)

Output:
  --out <file>               write the result JSON there (default: standard output)
  --help`;

export interface CommandIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

/** Runs one experiment from command-line arguments; returns the result (also written as JSON). */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<ExperimentResult | null> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      spec: { type: 'string' },
      'spec-file': { type: 'string' },
      clipvalue: { type: 'string' },
      clipnorm: { type: 'string' },
      'global-clipnorm': { type: 'string' },
      backend: { type: 'string', default: 'reference' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      seed: { type: 'string' },
      'learning-rate': { type: 'string' },
      'train-limit': { type: 'string' },
      data: { type: 'string' },
      length: { type: 'string' },
      'tfjs-backend': { type: 'string', default: 'cpu' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return null;
  }
  const experiment = positionals[0];
  if (positionals.length !== 1 || !['regression', 'fashion-mnist', 'adding'].includes(experiment ?? '')) {
    throw new ModelsError(
      'INVALID_OPTION',
      `experiment: got ${JSON.stringify(positionals.join(' '))}, expected regression, fashion-mnist or adding\n\n${USAGE}`,
      {
        field: 'experiment',
        value: positionals,
        expected: 'regression | fashion-mnist | adding',
      },
    );
  }
  const spec = await readSpec(values);
  await useTfjsBackend(values['tfjs-backend'] ?? 'cpu');
  const clipping = spec === null ? undefined : await loadClipping(values.backend ?? 'reference', spec);
  const common = {
    ...(clipping === undefined ? {} : { clipping }),
    ...optionalNumber('epochs', values.epochs),
    ...optionalNumber('batchSize', values['batch-size']),
    ...optionalNumber('seed', values.seed),
    onProgress: createTerminalProgress(io.stderr, { label: experiment as string }),
  };
  const started = Date.now();
  let result: ExperimentResult;
  try {
    if (experiment === 'regression') {
      result = await runRegressionExperiment(common);
    } else if (experiment === 'adding') {
      result = await runAddingExperiment({
        ...common,
        ...optionalNumber('learningRate', values['learning-rate']),
        ...optionalNumber('length', values.length),
      });
    } else {
      const data =
        values.data === undefined
          ? await loadFashionMnist()
          : await loadFashionMnistFiles({ directory: values.data });
      result = await runFashionMnistExperiment({
        ...common,
        data,
        ...optionalNumber('learningRate', values['learning-rate']),
        ...optionalNumber('trainLimit', values['train-limit']),
      });
    }
  } finally {
    await clipping?.clipper.backend.dispose();
  }
  const seconds = (Date.now() - started) / 1000;
  const text = toJsonText({ ...result, wallSeconds: seconds });
  if (values.out === undefined) io.stdout.write(`${text}\n`);
  else await writeFile(values.out, `${text}\n`);
  const accuracy =
    result.final.test.accuracy === null
      ? ''
      : `, test accuracy ${(100 * result.final.test.accuracy).toFixed(2)}%`;
  io.stderr.write(
    `${experiment}: test loss ${result.final.test.loss}${accuracy}, ${result.history.epochs.length} epochs in ${seconds.toFixed(1)} s${result.history.stopped === null ? '' : ` (stopped: ${result.history.stopped.reason})`}\n`,
  );
  return result;
}

async function readSpec(
  values: Record<string, string | boolean | undefined>,
): Promise<ClipSpec | ResolvedSpec | null> {
  const given = ['spec', 'spec-file', 'clipvalue', 'clipnorm', 'global-clipnorm'].filter(
    (key) => values[key] !== undefined,
  );
  if (given.length > 1) {
    throw new ModelsError(
      'INVALID_OPTION',
      `clipping: got --${given.join(' and --')}, expected at most one of them`,
      {
        field: 'clipping',
        value: given,
        expected: 'at most one clipping option',
      },
    );
  }
  if (typeof values.spec === 'string') return parseSpecJson(values.spec);
  if (typeof values['spec-file'] === 'string')
    return parseSpecJson(await readFile(values['spec-file'], 'utf8'));
  const keras = {
    ...optionalNumber('clipvalue', values.clipvalue as string | undefined),
    ...optionalNumber('clipnorm', values.clipnorm as string | undefined),
    ...optionalNumber('global_clipnorm', values['global-clipnorm'] as string | undefined),
  };
  return Object.keys(keras).length === 0 ? null : fromKerasOptions(keras);
}

async function useTfjsBackend(name: string): Promise<void> {
  // TF.js's engine is global: the command line owns the process, so it picks the backend here.
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else if (name !== 'cpu') {
    throw new ModelsError(
      'INVALID_OPTION',
      `--tfjs-backend: got ${JSON.stringify(name)}, expected cpu or wasm`,
      {
        field: 'tfjs-backend',
        value: name,
        expected: 'cpu | wasm',
      },
    );
  }
  if (!(await tf.setBackend(name))) {
    throw new ModelsError(
      'BACKEND_UNAVAILABLE',
      `--tfjs-backend: TF.js backend ${name} failed to initialise`,
      {
        field: 'tfjs-backend',
        value: name,
        expected: 'a TF.js backend that starts',
      },
    );
  }
}

function optionalNumber<K extends string>(key: K, text: string | undefined): Partial<Record<K, number>> {
  if (text === undefined) return {};
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) {
    throw new ModelsError('INVALID_OPTION', `--${key}: got ${JSON.stringify(text)}, expected a number`, {
      field: key,
      value: text,
      expected: 'a number',
    });
  }
  return { [key]: value } as Partial<Record<K, number>>;
}
