import type { CaseOutcome } from '@gradclip/core/conformance';
import { describe, expect, it } from 'vitest';
import { formatTable, summarizeByStrategy } from './conformance-summary.js';

const outcome = (caseId: string, status: CaseOutcome['status'], maxUlp = 0): CaseOutcome => ({
  caseId,
  status,
  failures: [],
  maxUlp,
  durationMs: 1,
});

describe('summarizeByStrategy', () => {
  it('counts outcomes per strategy and keeps the worst ULP distance', () => {
    const rows = summarizeByStrategy([
      outcome('value/a', 'pass'),
      outcome('value/b', 'skip'),
      outcome('norm/a', 'fail', 3),
      outcome('norm/b', 'expected-failure', 1),
      outcome('norm/c', 'unexpected-pass'),
    ]);
    expect(rows).toEqual([
      { strategy: 'value', cases: 2, passed: 1, skipped: 1, expectedFailures: 0, failed: 0, maxUlp: 0 },
      { strategy: 'norm', cases: 3, passed: 0, skipped: 0, expectedFailures: 1, failed: 2, maxUlp: 3 },
    ]);
    const table = formatTable('reference', rows).split('\n');
    expect(table[0]).toMatch(/^backend\s+strategy\s+cases\s+pass\s+skip\s+xfail\s+fail\s+max ULP$/);
    expect(table[3]).toMatch(/^reference\s+norm\s+3\s+0\s+0\s+1\s+2\s+3$/);
  });
});
