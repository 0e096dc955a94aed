#!/usr/bin/env node
/**
 * gradclip playground.
 *
 *   gradclip-playground [all]      parity, then the demos, then the report (the main job)
 *   gradclip-playground parity [--cases FILE] [--backends a,b] [--only-file] [--out DIR]
 *                              (conformance cases + gradients captured from the models; --only-file: FILE only)
 *   gradclip-playground demo [--backends a,b] [--epochs N] [--out DIR]
 *   gradclip-playground report [--out DIR]
 *
 * DIR defaults to ./reports. `parity` exits 1 when a backend differs from the oracle beyond what
 * its manifest declares, or when a backend expected on this machine cannot start (see
 * GRADCLIP_PARITY_OPTIONAL in backends.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { conformanceCases } from '@gradclip/core/conformance';
import { playgroundBackends, selectBackends } from './backends.js';
import { capturedCases } from './captured-cases.js';
import { runChildParity } from './child-parity.js';
import { runDemo } from './demo.js';
import type { DemoRun } from './demo-run.js';
import { formatDemo } from './demo-table.js';
import { buildReport } from './html-report.js';
import { mergeParityRuns, type ParityRun, runParity } from './parity.js';
import { fromConformanceCase, type ParityCase, parseCaseFile } from './parity-case.js';
import { formatParity } from './parity-table.js';
import { createProgress } from './progress.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'reports' },
    cases: { type: 'string' },
    backends: { type: 'string' },
    'only-file': { type: 'boolean', default: false },
    // Internal: this process is the child running one isolated backend for a parent parity run.
    'in-child': { type: 'boolean', default: false },
    epochs: { type: 'string' },
  },
});
const command = positionals[0] ?? 'all';
const outDirectory = resolve(values.out ?? 'reports');

async function parity(): Promise<ParityRun> {
  // The conformance cases plus real gradients captured from the seed models' training.
  const cases: ParityCase[] = values['only-file']
    ? []
    : [...conformanceCases.map(fromConformanceCase), ...(await capturedCases())];
  if (values.cases !== undefined) {
    const path = resolve(values.cases);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`--cases ${path}: ${(error as Error).message}`);
    }
    cases.push(...parseCaseFile(data, path));
  }
  const selected = selectBackends(playgroundBackends, values.backends);
  const inChild = values['in-child'] === true;
  const progress = createProgress('parity');
  const local = await runParity({
    backends: inChild ? selected : selected.filter((backend) => backend.isolated !== true),
    cases,
    onProgress: (done, total, label) => progress.update(done, total, label),
  });
  const children: ParityRun[] = [];
  const passThrough = [
    ...(values.cases === undefined ? [] : ['--cases', resolve(values.cases)]),
    ...(values['only-file'] ? ['--only-file'] : []),
  ];
  const isolated = inChild ? [] : selected.filter((backend) => backend.isolated === true);
  for (const [index, backend] of isolated.entries()) {
    progress.update(index, isolated.length, `${backend.id} (child process)`);
    children.push(
      await runChildParity({
        cliPath: fileURLToPath(import.meta.url),
        backend,
        passThrough,
        caseCount: cases.length,
      }),
    );
  }
  progress.done();
  const run = mergeParityRuns([local, ...children]);
  mkdirSync(outDirectory, { recursive: true });
  const path = join(outDirectory, 'parity.json');
  writeFileSync(path, `${JSON.stringify(run)}\n`);
  process.stdout.write(`${formatParity(run)}\nwrote ${path}\n`);
  return run;
}

async function demo(): Promise<DemoRun[]> {
  const progress = createProgress('demo');
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) {
    throw new Error(`--epochs: got ${values.epochs}, expected a positive integer`);
  }
  const { runs, unavailable } = await runDemo({
    backends: selectBackends(playgroundBackends, values.backends),
    ...(epochs === undefined ? {} : { regressionEpochs: epochs }),
    onProgress: (done, total, label) => progress.update(done, total, label),
  });
  progress.done();
  mkdirSync(outDirectory, { recursive: true });
  const path = join(outDirectory, 'demo.json');
  writeFileSync(
    path,
    `${JSON.stringify(runs, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value))}\n`,
  );
  for (const { id, reason } of unavailable) process.stdout.write(`demo: ${id} could not clip — ${reason}\n`);
  process.stdout.write(`${formatDemo(runs)}\nwrote ${path}\n`);
  return runs;
}

function report(run: ParityRun | null, demoRuns: DemoRun[] | null): void {
  const parityRun = run ?? readJson<ParityRun>(join(outDirectory, 'parity.json'));
  const demo = demoRuns ?? reviveNumbers(readJson<DemoRun[]>(join(outDirectory, 'demo.json')));
  const { html, charts } = buildReport({ parity: parityRun, demo });
  mkdirSync(join(outDirectory, 'charts'), { recursive: true });
  for (const chart of charts)
    writeFileSync(join(outDirectory, 'charts', `${chart.id}.svg`), `${chart.svg}\n`);
  const path = join(outDirectory, 'report.html');
  writeFileSync(path, html);
  process.stdout.write(
    `wrote ${path} (${charts.length} charts, also as SVG in ${join(outDirectory, 'charts')})\n`,
  );
}

/** demo.json spells non-finite losses as strings (gradclip's JSON convention); read them back. */
function reviveNumbers<T>(value: T | null): T | null {
  if (value === null) return null;
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    item === 'NaN' || item === 'Infinity' || item === '-Infinity' ? Number(item) : item,
  ) as T;
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

try {
  switch (command) {
    case 'parity': {
      const run = await parity();
      process.exitCode = run.summary.failed > 0 || run.summary.missing.length > 0 ? 1 : 0;
      break;
    }
    case 'demo':
      await demo();
      break;
    case 'report':
      report(null, null);
      break;
    case 'all': {
      const run = await parity();
      const runs = await demo();
      report(run, runs);
      process.exitCode = run.summary.failed > 0 || run.summary.missing.length > 0 ? 1 : 0;
      break;
    }
    default:
      throw new Error(`unknown command "${command}"; expected all, parity, demo or report`);
  }
} catch (error) {
  process.stderr.write(`gradclip-playground: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
