/**
 * How a case's failures become its outcome, the same for single and sequence cases: cases needing
 * a capability the backend does not declare are skipped; failures the manifest declares (case and
 * kind) are expected failures, undeclared ones fail, and a declared failure that does not happen
 * is an unexpected pass.
 */
import type { ClipBackend } from '../backend.js';
import type { CaseFailure, CaseOutcome } from './check-case.js';

/** The skip outcome when the backend lacks a capability the case requires, else `undefined`. */
export function skipForCapabilities<T>(
  backend: ClipBackend<T>,
  testCase: { readonly id: string; readonly requires?: readonly string[] },
  started: number,
): CaseOutcome | undefined {
  const missing = (testCase.requires ?? []).filter(
    (capability) => !(backend.manifest.capabilities as readonly string[]).includes(capability),
  );
  if (missing.length === 0) return undefined;
  return {
    caseId: testCase.id,
    status: 'skip',
    failures: [],
    reason: `backend "${backend.id}" does not declare the capabilit${missing.length === 1 ? 'y' : 'ies'} ${missing.join(', ')}`,
    measuredUlp: 0,
    durationMs: performance.now() - started,
  };
}

/** The outcome of a case that ran, judged against the manifest's expected failures. */
export function judgeOutcome<T>(
  backend: ClipBackend<T>,
  caseId: string,
  failures: readonly CaseFailure[],
  base: Omit<CaseOutcome, 'caseId' | 'status' | 'failures' | 'reason'>,
): CaseOutcome {
  const outcome = { caseId, ...base };
  const expected = backend.manifest.expectedFailures.filter((entry) => entry.caseId === caseId);
  if (expected.length === 0) return { ...outcome, status: failures.length === 0 ? 'pass' : 'fail', failures };
  const reason = expected.map((entry) => `${entry.kind}: ${entry.reason}`).join('; ');
  const unexplained = failures.filter((failure) => !expected.some((entry) => entry.kind === failure.kind));
  if (failures.length === 0) return { ...outcome, status: 'unexpected-pass', failures, reason };
  if (unexplained.length > 0) return { ...outcome, status: 'fail', failures: unexplained, reason };
  return { ...outcome, status: 'expected-failure', failures, reason };
}
