/**
 * The playground's command line as a function (the bin, cli.ts, only calls it): every failure,
 * from an unknown flag to a corrupt parity.json, is one line on stderr and exit code 2, never a
 * stack trace. Usage is in cli.ts.
 */
import { mkdirSync, readFileSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  boundaryCases,
  conformanceCases,
  type SequenceCase,
  sequenceCases,
} from '@gradclip/core/conformance';
import { playgroundBackends, selectBackends } from './backends.js';
import { runBrowserParity } from './browser-rows.js';
import { capturedCases } from './captured-cases.js';
import { runChildParity } from './child-parity.js';
import { readDemoRuns, readParityRun } from './cli-report-input.js';
import { runDemo } from './demo.js';
import type { DemoRun } from './demo-run.js';
import { formatDemo } from './demo-table.js';
import { buildReport } from './html-report.js';
import { mergeParityRuns, type ParityRun, runParity } from './parity.js';
import { type CaseFile, fromConformanceCase, type ParityCase, parseCaseFile } from './parity-case.js';
import { formatParity } from './parity-table.js';
import { createProgress } from './progress.js';

export const USAGE = `usage: gradclip-playground [all | parity | demo | report] [options]
  all (default)  parity, then the demos, then the report
  parity         --cases FILE (single and sequence cases)  --only-file (FILE's cases only)
                 --backends a,b  --out DIR
  demo           --backends a,b  --epochs N (regression epochs, an integer ≥ 1)  --out DIR
  report         --out DIR (reads DIR/parity.json and DIR/demo.json)
DIR defaults to ./reports.`;

export const COMMANDS = ['all', 'parity', 'demo', 'report'] as const;
type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  out: { type: 'string', default: 'reports' },
  cases: { type: 'string' },
  backends: { type: 'string' },
  'only-file': { type: 'boolean', default: false },
  // Internal: this process is the child running one isolated backend for a parent parity run.
  'in-child': { type: 'boolean', default: false },
  epochs: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface PlaygroundCliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** The compiled cli.js, which `parity` runs again as a child for isolated backends. */
  readonly cliPath: string;
}

/** A mistake of the user's: reported as one line, like every other failure. */
class UsageError extends Error {}

interface Settings {
  readonly command: Command;
  readonly outDirectory: string;
  readonly cases: string | undefined;
  readonly backends: string | undefined;
  readonly onlyFile: boolean;
  readonly inChild: boolean;
  readonly epochs: number | undefined;
  readonly help: boolean;
}

/** Runs the command line; returns the exit code (0, 1: parity failed, 2: any error). */
export async function runPlaygroundCli(argv: readonly string[], io: PlaygroundCliIo): Promise<number> {
  try {
    const settings = readSettings(argv);
    if (settings.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    switch (settings.command) {
      case 'parity': {
        const run = await parity(settings, io);
        return run.summary.failed > 0 || run.summary.missing.length > 0 ? 1 : 0;
      }
      case 'demo':
        await demo(settings, io);
        return 0;
      case 'report':
        report(settings, io, null, null);
        return 0;
      case 'all': {
        const run = await parity(settings, io);
        const runs = await demo(settings, io);
        report(settings, io, run, runs);
        return run.summary.failed > 0 || run.summary.missing.length > 0 ? 1 : 0;
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`gradclip-playground: ${message.split('\n')[0]}\n`);
    return 2;
  }
}

/** Parses and checks every option before any work starts, so a typo never costs a parity run. */
function readSettings(argv: readonly string[]): Settings {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
  >;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  const command = (positionals[0] ?? 'all') as Command;
  if (!COMMANDS.includes(command) || positionals.length > 1) {
    throw new UsageError(
      `unknown command "${positionals.join(' ')}"; expected one of ${COMMANDS.join(', ')} (see --help)`,
    );
  }
  let epochs: number | undefined;
  if (values.epochs !== undefined) {
    epochs = Number(values.epochs);
    if (values.epochs.trim() === '' || !Number.isSafeInteger(epochs) || epochs <= 0) {
      throw new UsageError(`--epochs: got ${JSON.stringify(values.epochs)}, expected a positive integer`);
    }
  }
  const out = values.out ?? 'reports';
  if (out.trim() === '') throw new UsageError('--out: got "", expected a directory');
  const outDirectory = resolve(out);
  const existing = statOrNull(outDirectory);
  if (existing !== null && !existing.isDirectory()) {
    throw new UsageError(`--out: got "${out}", which is a file; expected a directory`);
  }
  if (values.cases !== undefined && values.cases.trim() === '') {
    throw new UsageError('--cases: got "", expected a JSON case file');
  }
  if (values['only-file'] && values.cases === undefined) {
    throw new UsageError('--only-file: needs --cases <file>');
  }
  // Unknown ids fail here, not after the first backends ran.
  if (command !== 'report') selectBackends(playgroundBackends, values.backends);
  return {
    command,
    outDirectory,
    cases: values.cases,
    backends: values.backends,
    onlyFile: values['only-file'] === true,
    inChild: values['in-child'] === true,
    epochs,
    help: values.help === true,
  };
}

async function parity(settings: Settings, io: PlaygroundCliIo): Promise<ParityRun> {
  // The conformance cases, the kit's rounding-boundary cases, real gradients captured from the
  // seed models' training, and the kit's sequence cases (stateful kinds, agc).
  const file: CaseFile =
    settings.cases === undefined ? { cases: [], sequenceCases: [] } : readCaseFile(settings.cases);
  const cases: ParityCase[] = settings.onlyFile
    ? []
    : [
        ...conformanceCases.map(fromConformanceCase),
        ...boundaryCases().map(fromConformanceCase),
        ...(await capturedCases()),
      ];
  cases.push(...file.cases);
  const sequences: SequenceCase[] = [...(settings.onlyFile ? [] : sequenceCases), ...file.sequenceCases];
  const selected = selectBackends(playgroundBackends, settings.backends);
  const progress = createProgress('parity');
  const local = await runParity({
    backends: settings.inChild ? selected : selected.filter((backend) => backend.isolated !== true),
    cases,
    sequenceCases: sequences,
    onProgress: (done, total, label) => progress.update(done, total, label),
  });
  const children: ParityRun[] = [];
  const passThrough = [
    ...(settings.cases === undefined ? [] : ['--cases', resolve(settings.cases)]),
    ...(settings.onlyFile ? ['--only-file'] : []),
  ];
  const isolated = settings.inChild ? [] : selected.filter((backend) => backend.isolated === true);
  for (const [index, backend] of isolated.entries()) {
    progress.update(index, isolated.length, `${backend.id} (child process)`);
    children.push(
      await runChildParity({
        cliPath: io.cliPath,
        backend,
        passThrough,
        caseCount: cases.length + sequences.length,
      }),
    );
  }
  // The browser rows (tfjs:webgl@chromium, …) on full runs; GRADCLIP_PARITY_BROWSER=0 leaves them out.
  if (!settings.inChild && settings.backends === undefined && process.env.GRADCLIP_PARITY_BROWSER !== '0') {
    children.push(
      ...(await runBrowserParity({
        cases,
        sequenceCases: sequences,
        onProgress: (done, total, label) => progress.update(done, total, label),
      })),
    );
  }
  progress.done();
  const run = mergeParityRuns([local, ...children]);
  mkdirSync(settings.outDirectory, { recursive: true });
  const path = join(settings.outDirectory, 'parity.json');
  writeFileSync(path, `${JSON.stringify(run)}\n`);
  io.stdout.write(`${formatParity(run)}\nwrote ${path}\n`);
  return run;
}

function readCaseFile(file: string): CaseFile {
  const path = resolve(file);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--cases ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  return parseCaseFile(data, path);
}

async function demo(settings: Settings, io: PlaygroundCliIo): Promise<DemoRun[]> {
  const progress = createProgress('demo');
  const { runs, unavailable, unavailableExperiments } = await runDemo({
    backends: selectBackends(playgroundBackends, settings.backends),
    ...(settings.epochs === undefined ? {} : { regressionEpochs: settings.epochs }),
    onProgress: (done, total, label) => progress.update(done, total, label),
  });
  progress.done();
  mkdirSync(settings.outDirectory, { recursive: true });
  const path = join(settings.outDirectory, 'demo.json');
  writeFileSync(
    path,
    `${JSON.stringify(runs, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value))}\n`,
  );
  for (const { id, reason } of unavailable) io.stdout.write(`demo: ${id} could not clip — ${reason}\n`);
  for (const { experiment, reason } of unavailableExperiments)
    io.stdout.write(`demo: ${experiment} could not run — ${reason}\n`);
  io.stdout.write(`${formatDemo(runs)}\nwrote ${path}\n`);
  return runs;
}

function report(
  settings: Settings,
  io: PlaygroundCliIo,
  run: ParityRun | null,
  demoRuns: DemoRun[] | null,
): void {
  const { outDirectory } = settings;
  const parityRun = run ?? readParityRun(join(outDirectory, 'parity.json'));
  const demoData = demoRuns ?? readDemoRuns(join(outDirectory, 'demo.json'));
  // An empty report is no report: say what to run instead of writing one and exiting 0.
  if (parityRun === null && demoData === null) {
    throw new UsageError(
      `report: no parity.json or demo.json in ${outDirectory}; run \`gradclip-playground parity\` and \`demo\` first (or pass --out)`,
    );
  }
  const { html, charts } = buildReport({ parity: parityRun, demo: demoData });
  mkdirSync(join(outDirectory, 'charts'), { recursive: true });
  for (const chart of charts)
    writeFileSync(join(outDirectory, 'charts', `${chart.id}.svg`), `${chart.svg}\n`);
  const path = join(outDirectory, 'report.html');
  writeFileSync(path, html);
  io.stdout.write(
    `wrote ${path} (${charts.length} charts, also as SVG in ${join(outDirectory, 'charts')})\n`,
  );
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** `--epochs -1` would read "-1" as a flag; joined (`--epochs=-1`), the range check names it. */
function joinNegativeValues(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    const next = argv[i + 1];
    const option = token.startsWith('--')
      ? (OPTIONS as Record<string, { type: string }>)[token.slice(2)]
      : undefined;
    if (option?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity$)/.test(next)) {
      joined.push(`${token}=${next}`);
      i++;
    } else joined.push(token);
  }
  return joined;
}
