#!/usr/bin/env node
/**
 * `pnpm bench [--quick] [--out DIR] [--backends a,b] [--workloads a,b] [--no-torch] [--python PATH]
 * [--history FILE] [--compare FILE [--with FILE]]`: every backend that starts × strategy ×
 * workload, with the plain-JS loop, the memcpy probe and (where Debian's python3-torch is
 * installed) PyTorch measured in the same run, then issue 13's targets with a pass/short mark.
 * Writes DIR/bench.json, DIR/bench.svg and DIR/bench.md (default DIR: reports) and appends one
 * JSON line to the history (default DIR/history.jsonl). `--compare FILE` prints the difference
 * between FILE (a history or a bench.json: its last run) and this run; with `--with FILE2` it
 * compares the two files without measuring anything.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { silenceTfjsNodeBanner } from '@gradclip/models';
import * as tf from '@tensorflow/tfjs';
import { defaultCandidates, startBackend } from './backends.js';
import { jsFloat64Loop, memcpyProbe } from './baselines.js';
import {
  BENCH_SCHEMA_VERSION,
  type BenchCell,
  type BenchReport,
  machineInfo,
  markdownTable,
} from './bench-report.js';
import { compareRuns, historyEntry, readRun } from './history.js';
import { type CellMeasurement, measureBackend, measureBaseline, measureScaleFloor } from './measure.js';
import { ratiosAgainstBaselines } from './ratios.js';
import { gigabytesPerSecond } from './statistics.js';
import { strategiesFor } from './strategies.js';
import { heatmapSvg } from './svg-chart.js';
import { evaluateTargets, targetsTable } from './targets.js';
import { DEFAULT_PYTHON, runTorch } from './torch-runner.js';
import { allWorkloads, generateGradients, workloadElements } from './workloads.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'reports' },
    backends: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string', default: DEFAULT_PYTHON },
    workloads: { type: 'string' },
    history: { type: 'string' },
    compare: { type: 'string' },
    with: { type: 'string' },
  },
});
if (flags.with !== undefined) {
  if (flags.compare === undefined) {
    process.stderr.write('pnpm bench: --with FILE needs --compare FILE\n');
    process.exit(2);
  }
  process.stdout.write(`${compareRuns(await readRun(flags.compare), await readRun(flags.with))}\n`);
  process.exit(0);
}
// Read before measuring, so that a bad path fails at once.
const previousRun = flags.compare === undefined ? undefined : await readRun(flags.compare);
// The bench owns its output: no TF.js "install our node backend" banner on the first tensor.
silenceTfjsNodeBanner(tf);
const quick = flags.quick === true;
/** Largest workload the non-headline backends run in quick mode (the smoke run stays near a minute). */
const QUICK_MAX_ELEMENTS = 1e6;
const settings = quick ? { runs: 5, warmup: 1, budgetMs: 1500 } : { runs: 15, warmup: 2, budgetMs: 6000 };
const log = (line: string) => process.stderr.write(`${line}\n`);
const machine = machineInfo();
const startedAt = new Date().toISOString();
log(
  `gradclip bench (${quick ? 'quick' : 'full'}) on ${machine.cpuModel} ×${machine.cpuCount}, load ${machine.loadAverageStart.map((v) => v.toFixed(2)).join(' ')}`,
);

const wanted = flags.backends?.split(',').map((id) => id.trim());
const candidates = defaultCandidates().filter(
  (candidate) => !wanted || wanted.some((id) => candidate.id.startsWith(id)),
);
const started = [];
for (const candidate of candidates) {
  const result = await startBackend(candidate);
  log('error' in result ? `  ${candidate.id}: unavailable — ${result.error}` : `  ${candidate.id}: started`);
  started.push(result);
}
const running = started.flatMap((result) => ('backend' in result ? [result] : []));

const wantedWorkloads = flags.workloads?.split(',').map((id) => id.trim());
const workloads = allWorkloads(quick).filter(
  (workload) => !wantedWorkloads || wantedWorkloads.includes(workload.id),
);
const strategies = strategiesFor(quick);
const cells: BenchCell[] = [];
const total = workloads.length * (2 + running.length * strategies.length);
let done = 0;
const record = (
  backend: string,
  threads: number,
  workloadId: string,
  strategyId: string,
  elements: number,
  tensors: number,
  bytesPerElement: number,
  measured: CellMeasurement,
) => {
  if (strategyId !== 'floor-scale') done++;
  const cell: BenchCell = {
    backend,
    threads,
    workload: workloadId,
    strategy: strategyId,
    elements,
    tensors,
    firstCallMs: measured.firstCallMs,
    timing: measured.timing,
    gigabytesPerSecond: gigabytesPerSecond(bytesPerElement * elements, measured.timing.medianMs),
    peakMemoryBytes: measured.peakMemoryBytes,
    ratioToJsLoop: null,
    ratioToMemcpy: null,
    ratioToTorch: null,
    ...(measured.decisions ? { decisions: measured.decisions } : {}),
  };
  cells.push(cell);
  log(
    `[${done}/${total}] ${backend} ${workloadId} ${strategyId}: ${measured.timing.medianMs.toFixed(2)} ms (±${(measured.timing.relativeSpread * 50).toFixed(0)}%, ${measured.timing.runs} runs, first ${measured.firstCallMs.toFixed(1)} ms)`,
  );
};

for (const workload of workloads) {
  const elements = workloadElements(workload);
  log(`${workload.id}: ${workload.description}, ${elements} floats`);
  const gradients = generateGradients(workload);
  record(
    'js-float64-loop',
    1,
    workload.id,
    'globalNorm-2',
    elements,
    gradients.length,
    12,
    measureBaseline(jsFloat64Loop(gradients, 1e-3), settings),
  );
  record(
    'memcpy-probe',
    1,
    workload.id,
    'copy',
    elements,
    gradients.length,
    8,
    measureBaseline(memcpyProbe(gradients), settings),
  );
  for (const { candidate, backend } of running) {
    // --quick keeps to about a minute: only the 2-thread wasm rows run the 1e7 tensor and GPT-2.
    const limit = Math.min(
      candidate.maxElements ?? Number.POSITIVE_INFINITY,
      quick && candidate.headline !== true ? QUICK_MAX_ELEMENTS : Number.POSITIVE_INFINITY,
    );
    const tooLarge = elements > limit;
    for (const strategy of strategies) {
      if (tooLarge) {
        done++;
        continue;
      }
      try {
        const measured = await measureBackend(
          backend,
          gradients,
          strategy,
          settings,
          candidate.inPlace === true,
        );
        record(
          candidate.id,
          candidate.threads,
          workload.id,
          strategy.id,
          elements,
          gradients.length,
          strategy.bytesPerElement,
          measured,
        );
      } catch (error) {
        done++;
        log(
          `  ${candidate.id} ${workload.id} ${strategy.id} failed: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
    // The engines' floor (their own scale op over the list), where the 3× target is judged.
    if (candidate.engine === true && workload.id === 'gpt2-small' && !tooLarge) {
      try {
        record(
          candidate.id,
          candidate.threads,
          workload.id,
          'floor-scale',
          elements,
          gradients.length,
          8,
          await measureScaleFloor(backend, gradients, settings),
        );
      } catch (error) {
        log(
          `  ${candidate.id} ${workload.id} floor failed: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
  }
}
for (const { backend } of running) await backend.dispose();

const torch = flags['no-torch']
  ? ({ available: false, reason: 'skipped (--no-torch)' } as const)
  : await runTorch(
      {
        workloads,
        strategies,
        threads: [1, 2],
        runs: settings.runs,
        warmup: settings.warmup,
        budgetMs: settings.budgetMs,
      },
      flags.python,
      (line) => log(`  ${line}`),
    );
if (!torch.available) log(`PyTorch: ${torch.reason}`);

const report: BenchReport = {
  schemaVersion: BENCH_SCHEMA_VERSION,
  startedAt,
  mode: quick ? 'quick' : 'full',
  machine: { ...machine, loadAverageEnd: loadavg() },
  backends: started.map((result) =>
    'error' in result
      ? { id: result.candidate.id, status: 'unavailable' as const, detail: result.error }
      : { id: result.candidate.id, status: 'ran' as const },
  ),
  cells: ratiosAgainstBaselines(cells, torch.available ? torch.timings : []),
  torch,
};
const targets = evaluateTargets(report.cells, torch.available ? torch.timings : []);
const out = resolve(flags.out ?? 'reports');
await mkdir(out, { recursive: true });
const table = `${markdownTable(report)}\n\n## Targets (issue 13)\n\n${targetsTable(targets)}`;
await writeFile(join(out, 'bench.json'), `${JSON.stringify({ ...report, targets }, null, 2)}\n`);
const entry = historyEntry(report, targets, gitCommit());
const historyPath = resolve(flags.history ?? join(out, 'history.jsonl'));
await appendFile(historyPath, `${JSON.stringify(entry)}\n`);
await writeFile(
  join(out, 'bench.svg'),
  heatmapSvg(report, torch.available ? 'ratioToTorch' : 'ratioToJsLoop'),
);
await writeFile(join(out, 'bench.md'), `${table}\n`);
process.stdout.write(`${table}\n\n`);
const headline = report.cells
  .filter(
    (cell) =>
      cell.workload === 'gpt2-small' && cell.strategy === 'globalNorm-2' && cell.ratioToTorch !== null,
  )
  .sort((a, b) => a.timing.medianMs - b.timing.medianMs)[0];
if (headline) {
  process.stdout.write(
    `GPT-2 small, global norm: fastest ${headline.backend} ${headline.timing.medianMs.toFixed(1)} ms = ${headline.ratioToTorch?.toFixed(2)}× PyTorch clip_grad_norm_ at ${headline.threads} thread(s)\n`,
  );
}
if (previousRun !== undefined) process.stdout.write(`\n${compareRuns(previousRun, entry)}\n`);
log(
  `wrote ${join(out, 'bench.json')}, bench.svg, bench.md, a line of ${historyPath}; load ${report.machine.loadAverageEnd.map((v) => v.toFixed(2)).join(' ')}`,
);

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}
