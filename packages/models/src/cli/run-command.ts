import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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
import { BACKEND_IDS, checkBackendId, loadClipping } from './load-clipping.js';

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

const OPTIONS = {
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
} as const;

/**
 * Numeric options and their ranges, checked before anything runs: a training loop given
 * `--epochs -1` or `--batch-size 0` must not start at all.
 */
const NUMERIC_OPTIONS = {
  epochs: { key: 'epochs', kind: 'count' },
  'batch-size': { key: 'batchSize', kind: 'count' },
  seed: { key: 'seed', kind: 'seed' },
  'learning-rate': { key: 'learningRate', kind: 'positive' },
  'train-limit': { key: 'trainLimit', kind: 'count' },
  length: { key: 'length', kind: 'count' },
} as const;

type NumericKind = 'count' | 'seed' | 'positive' | 'any';

const EXPECTED: Readonly<Record<NumericKind, string>> = {
  count: 'an integer ≥ 1',
  seed: 'an integer in [0, 2^53)',
  positive: 'a finite number > 0',
  any: 'a number',
};

/** Runs one experiment from command-line arguments; returns the result (also written as JSON). */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<ExperimentResult | null> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
  >;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), allowPositionals: true, options: OPTIONS });
  } catch (error) {
    // node:util's messages name the option and what is wrong ("Unknown option '--x'", "Option
    // '--spec <value>' argument missing"); one line of it, as a typed error.
    const message = firstLine(error);
    throw new ModelsError('INVALID_OPTION', `${message} (see --help)`, {
      field: 'argv',
      value: [...argv],
      expected: 'the options listed by --help',
    });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return null;
  }
  const experiment = positionals[0];
  if (positionals.length !== 1 || !['regression', 'fashion-mnist', 'adding'].includes(experiment ?? '')) {
    throw new ModelsError(
      'INVALID_OPTION',
      `experiment: got ${JSON.stringify(positionals.join(' '))}, expected regression, fashion-mnist or adding (see --help)`,
      {
        field: 'experiment',
        value: positionals,
        expected: 'regression | fashion-mnist | adding',
      },
    );
  }
  // Everything a user can get wrong is checked here, before a backend starts or a step runs.
  const numbers = readNumbers(values);
  checkBackendId(values.backend ?? 'reference');
  if (values.out !== undefined) await checkOutPath(values.out);
  const spec = await readSpec(values);
  await useTfjsBackend(values['tfjs-backend'] ?? 'cpu');
  const clipping = spec === null ? undefined : await loadClipping(values.backend ?? 'reference', spec);
  const common = {
    ...(clipping === undefined ? {} : { clipping }),
    ...pick(numbers, 'epochs', 'batchSize', 'seed'),
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
        ...pick(numbers, 'learningRate', 'length'),
      });
    } else {
      const data =
        values.data === undefined
          ? await loadFashionMnist()
          : await loadFashionMnistFiles({ directory: values.data });
      result = await runFashionMnistExperiment({
        ...common,
        data,
        ...pick(numbers, 'learningRate', 'trainLimit'),
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
  if (typeof values['spec-file'] === 'string') return parseSpecJson(await readSpecFile(values['spec-file']));
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

function optionalNumber<K extends string>(
  key: K,
  text: string | undefined,
  kind: NumericKind = 'any',
  flag: string = key,
): Partial<Record<K, number>> {
  if (text === undefined) return {};
  const value = Number(text);
  const valid =
    text.trim() !== '' &&
    !Number.isNaN(value) &&
    (kind === 'any' ||
      (kind === 'positive' && Number.isFinite(value) && value > 0) ||
      (kind === 'count' && Number.isSafeInteger(value) && value >= 1) ||
      (kind === 'seed' && Number.isSafeInteger(value) && value >= 0));
  if (!valid) {
    throw new ModelsError(
      'INVALID_OPTION',
      `--${flag}: got ${JSON.stringify(text)}, expected ${EXPECTED[kind]}`,
      {
        field: flag,
        value: text,
        expected: EXPECTED[kind],
      },
    );
  }
  return { [key]: value } as Partial<Record<K, number>>;
}

type NumericKey = (typeof NUMERIC_OPTIONS)[keyof typeof NUMERIC_OPTIONS]['key'];

function readNumbers(
  values: Record<string, string | boolean | undefined>,
): Partial<Record<NumericKey, number>> {
  let numbers: Partial<Record<NumericKey, number>> = {};
  for (const [flag, { key, kind }] of Object.entries(NUMERIC_OPTIONS)) {
    numbers = { ...numbers, ...optionalNumber(key, values[flag] as string | undefined, kind, flag) };
  }
  return numbers;
}

function pick<K extends NumericKey>(
  numbers: Partial<Record<NumericKey, number>>,
  ...keys: K[]
): Partial<Record<K, number>> {
  const picked: Partial<Record<K, number>> = {};
  for (const key of keys) if (numbers[key] !== undefined) picked[key] = numbers[key];
  return picked;
}

/**
 * parseArgs reads `--clipnorm -1` as an option "-1" with no value. A value that is a negative
 * number is joined to its option (`--clipnorm=-1`), so the range check can name it instead.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    const next = argv[i + 1];
    const name = token.startsWith('--') ? token.slice(2) : undefined;
    const option = name === undefined ? undefined : (OPTIONS as Record<string, { type: string }>)[name];
    if (option?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity$)/.test(next)) {
      joined.push(`${token}=${next}`);
      i++;
    } else joined.push(token);
  }
  return joined;
}

async function readSpecFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : firstLine(error);
    throw new ModelsError(
      'INVALID_OPTION',
      `--spec-file: got ${JSON.stringify(path)} (${what}), expected a readable JSON file`,
      {
        field: 'spec-file',
        value: path,
        expected: 'a readable JSON file',
        cause: error,
      },
    );
  }
}

/** The result is written after training: a path that cannot take it must fail before the first step. */
async function checkOutPath(out: string): Promise<void> {
  const bad = (expected: string) =>
    new ModelsError('INVALID_OPTION', `--out: got ${JSON.stringify(out)}, expected ${expected}`, {
      field: 'out',
      value: out,
      expected,
    });
  if (out === '') throw bad('a file path');
  const target = await stat(out).catch(() => undefined);
  if (target?.isDirectory()) throw bad('a file path, not a directory');
  const parent = await stat(dirname(resolve(out))).catch(() => undefined);
  if (parent === undefined || !parent.isDirectory()) throw bad('a path in an existing directory');
}

/** The first line of an error's message: no stack, no usage dump. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
