/**
 * One JSON line per run (appended to a history file), and the difference between two runs, so a
 * regression shows up as a change against the previous run: `pnpm bench --compare FILE`.
 */
import { readFile } from 'node:fs/promises';
import type { BenchReport } from './bench-report.js';
import type { TargetResult } from './targets.js';

export const HISTORY_SCHEMA_VERSION = 1;

export interface HistoryCell {
  readonly backend: string;
  readonly workload: string;
  readonly strategy: string;
  readonly threads: number;
  readonly medianMs: number;
  readonly ratioToTorch: number | null;
  readonly ofMemcpy: number | null;
}

export interface HistoryEntry {
  readonly historySchemaVersion: typeof HISTORY_SCHEMA_VERSION;
  readonly startedAt: string;
  readonly mode: 'quick' | 'full';
  /** `git rev-parse HEAD` of the measured tree, when known (uncommitted changes not included). */
  readonly commit: string | null;
  readonly machine: BenchReport['machine'];
  readonly cells: readonly HistoryCell[];
  readonly targets: readonly Pick<TargetResult, 'id' | 'ratio' | 'limit' | 'pass'>[];
}

export function historyEntry(
  report: BenchReport,
  targets: readonly TargetResult[],
  commit: string | null,
): HistoryEntry {
  return {
    historySchemaVersion: HISTORY_SCHEMA_VERSION,
    startedAt: report.startedAt,
    mode: report.mode,
    commit,
    machine: report.machine,
    cells: report.cells.map((cell) => ({
      backend: cell.backend,
      workload: cell.workload,
      strategy: cell.strategy,
      threads: cell.threads,
      medianMs: cell.timing.medianMs,
      ratioToTorch: cell.ratioToTorch,
      ofMemcpy: cell.ofMemcpyBandwidth ?? null,
    })),
    targets: targets.map(({ id, ratio, limit, pass }) => ({ id, ratio, limit, pass })),
  };
}

/**
 * A run read back for comparison: the last line of a history file (JSON lines), a history entry,
 * or a bench.json report.
 */
export async function readRun(path: string): Promise<HistoryEntry> {
  const text = (await readFile(path, 'utf8')).trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON lines: the last run.
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    parsed = JSON.parse(lines[lines.length - 1] ?? '');
  }
  const value = parsed as Partial<HistoryEntry> & Partial<BenchReport>;
  if (value.historySchemaVersion === HISTORY_SCHEMA_VERSION) return value as HistoryEntry;
  if (Array.isArray(value.cells) && value.machine !== undefined && value.startedAt !== undefined) {
    return historyEntry(value as BenchReport, [], null);
  }
  throw new Error(`${path}: neither a bench history (JSON lines) nor a bench.json report`);
}

const key = (cell: Pick<HistoryCell, 'backend' | 'workload' | 'strategy'>) =>
  `${cell.backend} ${cell.workload} ${cell.strategy}`;

/**
 * The difference between two runs as a Markdown table: each cell's median before and after and
 * the change, the largest changes first; then the targets whose mark changed.
 */
export function compareRuns(before: HistoryEntry, after: HistoryEntry, threshold = 0): string {
  const old = new Map(before.cells.map((cell) => [key(cell), cell]));
  const rows: { line: string; change: number }[] = [];
  const added: string[] = [];
  for (const cell of after.cells) {
    const previous = old.get(key(cell));
    if (previous === undefined) {
      added.push(key(cell));
      continue;
    }
    old.delete(key(cell));
    const change = cell.medianMs / previous.medianMs - 1;
    if (Math.abs(change) < threshold) continue;
    rows.push({
      change,
      line: `| ${cell.backend} | ${cell.workload} | ${cell.strategy} | ${previous.medianMs.toFixed(2)} | ${cell.medianMs.toFixed(2)} | ${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}% |`,
    });
  }
  rows.sort((a, b) => Math.abs(b.change) - Math.abs(a.change));
  const lines = [
    `Compared with ${before.startedAt} (${before.mode}${before.commit ? `, ${before.commit.slice(0, 7)}` : ''}) → ${after.startedAt} (${after.mode}${after.commit ? `, ${after.commit.slice(0, 7)}` : ''}); loads ${before.machine.loadAverageStart[0]?.toFixed(2)} → ${after.machine.loadAverageStart[0]?.toFixed(2)}`,
    '',
    '| backend | workload | strategy | before ms | after ms | change |',
    '|---|---|---|--:|--:|--:|',
    ...rows.map((row) => row.line),
  ];
  const some = (keys: readonly string[]) =>
    keys.length <= 6 ? keys.join('; ') : `${keys.slice(0, 6).join('; ')} and ${keys.length - 6} more`;
  if (added.length > 0) lines.push('', `Only in the new run (${added.length}): ${some(added)}`);
  if (old.size > 0) lines.push('', `Only in the old run (${old.size}): ${some([...old.keys()])}`);
  const oldTargets = new Map(before.targets.map((target) => [target.id, target]));
  const flips = after.targets.filter((target) => {
    const previous = oldTargets.get(target.id);
    return previous !== undefined && previous.pass !== target.pass;
  });
  if (flips.length > 0) {
    lines.push('', 'Targets whose mark changed:');
    for (const target of flips) {
      const previous = oldTargets.get(target.id);
      lines.push(
        `- ${target.id}: ${previous?.ratio.toFixed(2)}× → ${target.ratio.toFixed(2)}× (${target.pass ? 'now met' : 'now short'})`,
      );
    }
  }
  return lines.join('\n');
}
