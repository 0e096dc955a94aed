import { cpus, loadavg } from 'node:os';
import type { TimingStatistics } from './statistics.js';
import type { TorchResult } from './torch-runner.js';

export const BENCH_SCHEMA_VERSION = 1;

export interface BenchCell {
  readonly backend: string;
  readonly threads: number;
  readonly workload: string;
  readonly strategy: string;
  readonly elements: number;
  readonly tensors: number;
  readonly firstCallMs: number;
  readonly timing: TimingStatistics;
  /** Ideal bytes (strategy bytes per element × elements) over the median time. */
  readonly gigabytesPerSecond: number;
  readonly peakMemoryBytes: number;
  /** median / the same workload's plain-JS float64 loop median. */
  readonly ratioToJsLoop: number | null;
  /** median / the same workload's memcpy-probe median. */
  readonly ratioToMemcpy: number | null;
  /** median / PyTorch's median at the same thread count (same workload and strategy). */
  readonly ratioToTorch: number | null;
  /**
   * Closeness to the memory limit: this cell's ideal bytes ÷ time over the memcpy probe's bytes ÷
   * time on the same workload (1 = as fast as a copy of the same bytes; above 1 means caches help).
   */
  readonly ofMemcpyBandwidth?: number | null;
  /** Scale decisions over every call of the cell: certified from the bounds, or exact fallbacks. */
  readonly decisions?: { readonly certified: number; readonly exactFallback: number };
}

export interface BenchReport {
  readonly schemaVersion: typeof BENCH_SCHEMA_VERSION;
  readonly startedAt: string;
  readonly mode: 'quick' | 'full';
  readonly machine: {
    readonly cpuModel: string;
    readonly cpuCount: number;
    readonly node: string;
    /** os.loadavg() at the start and at the end: other work on the machine skews every timing. */
    readonly loadAverageStart: readonly number[];
    readonly loadAverageEnd: readonly number[];
  };
  readonly backends: readonly {
    readonly id: string;
    readonly status: 'ran' | 'unavailable';
    readonly detail?: string;
  }[];
  /** Baselines appear as cells with backend "js-float64-loop" / "memcpy-probe". */
  readonly cells: readonly BenchCell[];
  readonly torch: TorchResult;
}

export function machineInfo(): Omit<BenchReport['machine'], 'loadAverageEnd'> {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    node: process.version,
    loadAverageStart: loadavg(),
  };
}

/** Structural check of a report read back from disk; returns the problems found (none = valid). */
export function validateReport(value: unknown): string[] {
  const problems: string[] = [];
  const report = value as Partial<BenchReport> | null;
  if (typeof report !== 'object' || report === null) return ['the report is not an object'];
  if (report.schemaVersion !== BENCH_SCHEMA_VERSION)
    problems.push(`schemaVersion is ${report.schemaVersion}`);
  if (report.mode !== 'quick' && report.mode !== 'full') problems.push(`mode is ${report.mode}`);
  if (!Array.isArray(report.machine?.loadAverageStart)) problems.push('machine.loadAverageStart is missing');
  if (!Array.isArray(report.cells)) return [...problems, 'cells is not an array'];
  report.cells.forEach((cell, i) => {
    for (const key of ['backend', 'workload', 'strategy'] as const) {
      if (typeof cell[key] !== 'string') problems.push(`cells[${i}].${key} is not a string`);
    }
    for (const key of [
      'elements',
      'firstCallMs',
      'gigabytesPerSecond',
      'peakMemoryBytes',
      'threads',
    ] as const) {
      if (typeof cell[key] !== 'number') problems.push(`cells[${i}].${key} is not a number`);
    }
    if (!(cell.timing?.medianMs >= 0) || !(cell.timing.runs >= 1))
      problems.push(`cells[${i}].timing is incomplete`);
    for (const key of ['ratioToJsLoop', 'ratioToMemcpy', 'ratioToTorch'] as const) {
      if (cell[key] !== null && typeof cell[key] !== 'number')
        problems.push(`cells[${i}].${key} is not a number or null`);
    }
  });
  if (typeof report.torch?.available !== 'boolean') problems.push('torch.available is missing');
  return problems;
}

const format = (value: number | null, digits = 2) => (value === null ? '—' : value.toFixed(digits));

/** A Markdown table, one row per backend × strategy × workload (median, spread, ratios). */
export function markdownTable(report: BenchReport): string {
  const rows = [
    '| backend | workload | strategy | median ms | spread | first ms | GB/s | of memcpy BW | ×JS loop | ×memcpy | ×PyTorch | exact fallbacks |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const cell of report.cells) {
    const decisions = cell.decisions;
    const fallbacks =
      decisions === undefined || decisions.certified + decisions.exactFallback === 0
        ? '—'
        : `${decisions.exactFallback}/${decisions.certified + decisions.exactFallback}`;
    const ofMemcpy = cell.ofMemcpyBandwidth;
    rows.push(
      `| ${cell.backend} | ${cell.workload} | ${cell.strategy} | ${format(cell.timing.medianMs)} | ±${format(
        cell.timing.relativeSpread * 50,
        0,
      )}% | ${format(cell.firstCallMs, 1)} | ${format(cell.gigabytesPerSecond, 1)} | ${
        ofMemcpy === undefined || ofMemcpy === null ? '—' : `${(ofMemcpy * 100).toFixed(0)}%`
      } | ${format(cell.ratioToJsLoop)} | ${format(cell.ratioToMemcpy)} | ${format(cell.ratioToTorch)} | ${fallbacks} |`,
    );
  }
  return rows.join('\n');
}
