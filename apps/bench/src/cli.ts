#!/usr/bin/env node
/**
 * `pnpm bench [--quick] [--out DIR] [--backends a,b] [--no-torch] [--python PATH]`: every backend
 * that starts × strategy × workload, with the plain-JS loop, the memcpy probe and (where Debian's
 * python3-torch is installed) PyTorch measured in the same run. Writes DIR/bench.json,
 * DIR/bench.svg and DIR/bench.md (default DIR: reports).
 */
import { mkdir, writeFile } from 'node:fs/promises';
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
import { type CellMeasurement, measureBackend, measureBaseline } from './measure.js';
import { ratiosAgainstBaselines } from './ratios.js';
import { gigabytesPerSecond } from './statistics.js';
import { strategiesFor } from './strategies.js';
import { heatmapSvg } from './svg-chart.js';
import { DEFAULT_PYTHON, runTorch } from './torch-runner.js';
import { allWorkloads, generateGradients, workloadElements } from './workloads.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'reports' },
    backends: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string', default: DEFAULT_PYTHON },
  },
});
// The bench owns its output: no TF.js "install our node backend" banner on the first tensor.
silenceTfjsNodeBanner(tf);
const quick = flags.quick === true;
/** Largest workload the non-headline backends run in quick mode. */
const QUICK_MAX_ELEMENTS = 2e7;
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

const workloads = allWorkloads(quick);
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
  done++;
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
    // --quick keeps to about a minute: the slower engines skip the 124M-float GPT-2 list there.
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
const out = resolve(flags.out ?? 'reports');
await mkdir(out, { recursive: true });
const table = markdownTable(report);
await writeFile(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
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
log(
  `wrote ${join(out, 'bench.json')}, bench.svg, bench.md; load ${report.machine.loadAverageEnd.map((v) => v.toFixed(2)).join(' ')}`,
);
