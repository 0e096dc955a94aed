import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_SCHEMA_VERSION, type BenchCell, type BenchReport } from './bench-report.js';
import { compareRuns, historyEntry, readRun } from './history.js';
import { timingStatistics } from './statistics.js';
import { evaluateTargets, targetsTable } from './targets.js';
import type { TorchTiming } from './torch-runner.js';

function cell(backend: string, workload: string, strategy: string, medianMs: number, threads = 2): BenchCell {
  return {
    backend,
    threads,
    workload,
    strategy,
    elements: 1000,
    tensors: 1,
    firstCallMs: medianMs,
    timing: timingStatistics([medianMs]),
    gigabytesPerSecond: 1,
    peakMemoryBytes: 0,
    ratioToJsLoop: null,
    ratioToMemcpy: null,
    ratioToTorch: null,
  };
}

const torch = (workload: string, strategy: string, threads: number, medianMs: number): TorchTiming => ({
  workload,
  strategy,
  threads,
  medianMs,
  q1Ms: medianMs,
  q3Ms: medianMs,
  firstCallMs: medianMs,
  runs: 1,
});

function report(cells: BenchCell[], startedAt: string): BenchReport {
  return {
    schemaVersion: BENCH_SCHEMA_VERSION,
    startedAt,
    mode: 'quick',
    machine: {
      cpuModel: 't',
      cpuCount: 2,
      node: 'v20',
      loadAverageStart: [1, 1, 1],
      loadAverageEnd: [1, 1, 1],
    },
    backends: [],
    cells,
    torch: { available: false, reason: 'test' },
  };
}

describe('evaluateTargets', () => {
  const cells = [
    cell('wasm:2t', 'gpt2-small', 'globalNorm-2', 40),
    cell('wasm:2t', 'gpt2-small', 'value', 30),
    cell('wasm:2t', 'small-5000x64', 'globalNorm-2', 3),
    cell('wasm:2t', 'single-3.2e5', 'globalNorm-2', 1),
    cell('memcpy-probe', 'gpt2-small', 'copy', 40, 1),
    { ...cell('onnx', 'gpt2-small', 'globalNorm-2', 400), decisions: { certified: 999, exactFallback: 1 } },
    cell('onnx', 'gpt2-small', 'floor-scale', 250),
    {
      ...cell('tfjs:wasm', 'gpt2-small', 'globalNorm-2', 600, 1),
      decisions: { certified: 1000, exactFallback: 0 },
    },
    cell('tfjs:wasm', 'gpt2-small', 'floor-scale', 300, 1),
  ];
  const timings = [
    torch('gpt2-small', 'globalNorm-2', 2, 50),
    torch('gpt2-small', 'globalNorm-2', 1, 100),
    torch('gpt2-small', 'value', 2, 20),
  ];
  const targets = evaluateTargets(cells, timings);
  const byId = new Map(targets.map((target) => [target.id, target]));

  it('marks each target against its limit', () => {
    expect(byId.get('torch/gpt2-small/globalNorm-2/wasm:2t')).toMatchObject({ ratio: 0.8, pass: true });
    expect(byId.get('torch/gpt2-small/value/wasm:2t')).toMatchObject({ ratio: 1.5, pass: false });
    expect(byId.get('small/globalNorm-2/wasm:2t')).toMatchObject({ ratio: 3, pass: false });
  });

  it('passes an engine within 1.5× of its floor (scale op + half a memcpy) even beyond 3× PyTorch', () => {
    // onnx: 400 / 50 = 8× PyTorch; floor 250 + 20 = 270, 400 / 270 = 1.48×.
    expect(byId.get('engine/gpt2-small/globalNorm-2/onnx')).toMatchObject({ ratio: 8, pass: true });
    // tfjs: 6× PyTorch at 1 thread; floor 320, 1.875× → short.
    expect(byId.get('engine/gpt2-small/globalNorm-2/tfjs:wasm')).toMatchObject({ ratio: 6, pass: false });
  });

  it('counts the exact fallbacks over every cell', () => {
    expect(byId.get('fallback/all')).toMatchObject({ measured: 1 / 2000, pass: true });
    const table = targetsTable(targets);
    expect(table).toContain('**short**');
    expect(table).toMatch(/\d+ of \d+ targets met\./);
  });
});

describe('history', () => {
  it('appends one JSON line per run and compares the last one with a new run', async () => {
    const before = historyEntry(
      report([cell('wasm:2t', 'gpt2-small', 'globalNorm-2', 40)], 'a'),
      [],
      'abc1234',
    );
    const after = historyEntry(report([cell('wasm:2t', 'gpt2-small', 'globalNorm-2', 30)], 'b'), [], null);
    const dir = await mkdtemp(join(tmpdir(), 'bench-history-'));
    const path = join(dir, 'history.jsonl');
    await writeFile(path, `${JSON.stringify(after)}\n${JSON.stringify(before)}\n`);
    const read = await readRun(path);
    expect(read.startedAt).toBe('a');
    const diff = compareRuns(read, after);
    expect(diff).toContain('| wasm:2t | gpt2-small | globalNorm-2 | 40.00 | 30.00 | -25.0% |');
  });

  it('reads a bench.json report as a run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-history-'));
    const path = join(dir, 'bench.json');
    await writeFile(path, JSON.stringify(report([cell('onnx', 'gpt2-small', 'value', 5)], 'c'), null, 2));
    expect((await readRun(path)).cells[0]).toMatchObject({ backend: 'onnx', medianMs: 5 });
  });
});
