/** The kit's report check: the backend's `ClipReport` against the case's expected report. */
import { sameFloat32 } from '../float32.js';
import { float32FromJson } from '../gradient-json.js';
import type { ClipReport } from '../report.js';
import type { CaseReport } from './case-format.js';
import type { RecordFailure } from './check-case.js';

/** Relative tolerance for the float64 norms in the report (backends may sum in another order). */
const NORM_RELATIVE_TOLERANCE = 1e-9;

/** Kind, flags and counts exactly; norms within a relative 1e-9; the scale bit for bit when `allowedUlp` (the manifest's `maxUlp`) is 0. */
export function compareReport(
  actual: ClipReport,
  expected: CaseReport,
  allowedUlp: number,
  fail: RecordFailure,
): void {
  const problems: string[] = [];
  if (actual.kind !== expected.kind) problems.push(`kind ${actual.kind} ≠ ${expected.kind}`);
  if (actual.clipped !== expected.clipped) problems.push(`clipped ${actual.clipped} ≠ ${expected.clipped}`);
  if (actual.skipped !== expected.skipped) problems.push(`skipped ${actual.skipped} ≠ ${expected.skipped}`);
  if (actual.nonFiniteCount !== expected.nonFiniteCount) {
    problems.push(`nonFiniteCount ${actual.nonFiniteCount} ≠ ${expected.nonFiniteCount}`);
  }
  for (const key of ['normBefore', 'normAfter'] as const) {
    const want = float32FromJsonLoose(expected[key]);
    if (!closeFloat64(actual[key], want, NORM_RELATIVE_TOLERANCE))
      problems.push(`${key} ${actual[key]} ≠ ${want}`);
  }
  if (expected.scale === null || actual.scale === null) {
    if (expected.scale !== actual.scale) problems.push(`scale ${actual.scale} ≠ ${expected.scale}`);
  } else {
    const want = float32FromJsonLoose(expected.scale);
    const same =
      allowedUlp === 0
        ? sameFloat32(actual.scale, want) || closeFloat64(actual.scale, want, 0)
        : closeFloat64(actual.scale, want, 1e-6);
    if (!same) problems.push(`scale ${actual.scale} ≠ ${want}`);
  }
  if (problems.length > 0) fail('report-mismatch', `report: ${problems.join('; ')}`);
}

function closeFloat64(actual: number, expected: number, relative: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (actual === expected) return true;
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return false;
  return Math.abs(actual - expected) <= relative * Math.abs(expected);
}

/** Report norms are float64 numbers written with the float32 JSON spellings for non-finite values. */
function float32FromJsonLoose(value: CaseReport['normBefore']): number {
  return typeof value === 'number' ? value : float32FromJson(value, 'report');
}
