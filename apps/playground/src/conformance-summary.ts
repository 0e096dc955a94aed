import type { CaseOutcome } from '@gradclip/core/conformance';

export interface StrategyRow {
  readonly strategy: string;
  readonly cases: number;
  readonly passed: number;
  readonly skipped: number;
  readonly expectedFailures: number;
  readonly failed: number;
  /** Largest ULP distance from the oracle over the strategy's cases. */
  readonly maxUlp: number;
}

/** Groups outcomes by strategy (the part of the case id before the slash). */
export function summarizeByStrategy(outcomes: readonly CaseOutcome[]): StrategyRow[] {
  const rows = new Map<string, StrategyRow>();
  for (const outcome of outcomes) {
    const strategy = outcome.caseId.split('/')[0] ?? outcome.caseId;
    const row = rows.get(strategy) ?? {
      strategy,
      cases: 0,
      passed: 0,
      skipped: 0,
      expectedFailures: 0,
      failed: 0,
      maxUlp: 0,
    };
    rows.set(strategy, {
      ...row,
      cases: row.cases + 1,
      passed: row.passed + (outcome.status === 'pass' ? 1 : 0),
      skipped: row.skipped + (outcome.status === 'skip' ? 1 : 0),
      expectedFailures: row.expectedFailures + (outcome.status === 'expected-failure' ? 1 : 0),
      failed: row.failed + (outcome.status === 'fail' || outcome.status === 'unexpected-pass' ? 1 : 0),
      maxUlp: Math.max(row.maxUlp, outcome.maxUlp),
    });
  }
  return [...rows.values()];
}

/** A fixed-width text table of the rows, for the terminal. */
export function formatTable(backendId: string, rows: readonly StrategyRow[]): string {
  const header = ['backend', 'strategy', 'cases', 'pass', 'skip', 'xfail', 'fail', 'max ULP'];
  const body = rows.map((row) => [
    backendId,
    row.strategy,
    String(row.cases),
    String(row.passed),
    String(row.skipped),
    String(row.expectedFailures),
    String(row.failed),
    String(row.maxUlp),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}
