import { strategyOf } from './html-report.js';
import type { ParityRun } from './parity.js';

export interface ParityRow {
  readonly backend: string;
  readonly strategy: string;
  readonly cases: number;
  readonly bitIdentical: number;
  readonly skipped: number;
  readonly failed: number;
  /** Largest ULP distance from the oracle; null when nothing was compared. */
  readonly maxUlp: number | null;
}

/** One row per available backend and strategy, in run order. */
export function parityRows(run: ParityRun): ParityRow[] {
  const rows = new Map<string, ParityRow>();
  for (const result of run.results) {
    const strategy = strategyOf(result.caseId);
    const key = `${result.backend}\u0000${strategy}`;
    const row = rows.get(key) ?? {
      backend: result.backend,
      strategy,
      cases: 0,
      bitIdentical: 0,
      skipped: 0,
      failed: 0,
      maxUlp: null,
    };
    const compared = result.status !== 'skip';
    rows.set(key, {
      ...row,
      cases: row.cases + 1,
      bitIdentical: row.bitIdentical + (result.bitIdentical ? 1 : 0),
      skipped: row.skipped + (compared ? 0 : 1),
      failed: row.failed + (result.status === 'fail' || result.status === 'error' ? 1 : 0),
      maxUlp:
        compared && result.maxUlp !== null
          ? Math.max(row.maxUlp ?? 0, result.maxUlp)
          : compared
            ? Number.POSITIVE_INFINITY
            : row.maxUlp,
    });
  }
  return [...rows.values()];
}

/** How many failures the text lists one by one; parity.json has them all. */
export const LISTED_FAILURES = 20;

/**
 * A fixed-width text table for the terminal (a sequence case counts as one case), followed by the
 * backends that could not start and each failed result with its detail (for a sequence case, the
 * step that failed).
 */
export function formatParity(run: ParityRun): string {
  const header = ['backend', 'strategy', 'cases', 'bit-identical', 'skipped', 'failed', 'max ULP'];
  const body = parityRows(run).map((row) => [
    row.backend,
    row.strategy,
    String(row.cases),
    String(row.bitIdentical),
    String(row.skipped),
    String(row.failed),
    row.maxUlp === null ? '-' : String(row.maxUlp),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd();
  const unavailable = run.backends
    .filter((backend) => !backend.available)
    .map((backend) => `${backend.id}: could not start — ${backend.reason}`);
  const failed = run.results.filter((result) => result.status === 'fail' || result.status === 'error');
  const failures = failed
    .slice(0, LISTED_FAILURES)
    .map(
      (result) =>
        `${result.status === 'error' ? 'error' : 'differs'}: ${result.backend} ${result.caseId}${result.steps === undefined ? '' : ` (sequence of ${result.steps} steps)`}: ${result.detail ?? result.error?.message ?? ''}`,
    );
  if (failed.length > LISTED_FAILURES)
    failures.push(`… and ${failed.length - LISTED_FAILURES} more (every result is in parity.json)`);
  const sequences = new Set(
    run.results.filter((result) => result.steps !== undefined).map((result) => result.caseId),
  ).size;
  const { summary } = run;
  return [
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...body.map(line),
    '',
    ...unavailable,
    ...failures,
    ...(summary.missing.length === 0
      ? []
      : [
          `expected on this machine but could not start: ${summary.missing.join(', ')} (name a backend a machine lacks in GRADCLIP_PARITY_OPTIONAL, e.g. GRADCLIP_PARITY_OPTIONAL=gpujs:webgpu,gpujs:headlessgl)`,
        ]),
    `${summary.bitIdentical} of ${summary.compared} results bit-identical to the oracle (${summary.cases} cases${sequences === 0 ? '' : `, ${sequences} of them sequences`} × ${summary.backends} backends); max ${summary.maxUlp} ULP; ${summary.failed} failed.`,
  ].join('\n');
}
