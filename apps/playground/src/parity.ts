/**
 * The parity run: every case through every available backend, each output compared bit for bit
 * with the float64 oracle (the reference backend) and, through it, with every other backend; and
 * every sequence case (stateful kinds, agc) judged by the kit's `checkSequenceCase` against the
 * expectations it states, step by step.
 */

import { type ClipCallResult, callClip } from '@gradclip/browser-tests/call-clip';
import {
  type ClipBackend,
  ClipError,
  type ClipReport,
  type GradientJson,
  gradientToJson,
  type NamedHostTensor,
} from '@gradclip/core';
import { type BackendManifest, maxUlpDistance, sameFloat32Array } from '@gradclip/core/backend';
import { bitsHash, type CaseOutcome, checkSequenceCase, type SequenceCase } from '@gradclip/core/conformance';
import { createReferenceBackend } from '@gradclip/core/reference';
import { isExpectedBackend, type PlaygroundBackend } from './backends.js';
import type { ParityCase } from './parity-case.js';

/** Outputs larger than this are written as a hash of their bits instead of value by value. */
export const OUTPUT_VALUES_LIMIT = 65_536;

export type ParityStatus = 'pass' | 'fail' | 'skip' | 'error';

export interface ParityBackendEntry {
  readonly id: string;
  readonly name: string;
  readonly mode: string;
  readonly version: string;
  readonly available: boolean;
  readonly reason: string | null;
  /** The ULP distance the backend's manifest allows (0: bit-identical promised). */
  readonly maxUlpAllowed: number | null;
}

export type OutputJson =
  | GradientJson
  | { readonly name: string; readonly shape: readonly number[]; readonly hash: string };

export interface ParityResult {
  readonly caseId: string;
  readonly backend: string;
  readonly status: ParityStatus;
  readonly bitIdentical: boolean;
  readonly maxUlp: number | null;
  readonly report: ClipReport | null;
  readonly outputs: readonly OutputJson[] | null;
  /** The ClipError code (or message) when the call threw, for this backend or the oracle. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly detail: string | null;
  readonly durationMs: number;
  /** Sequence cases only: the number of calls the case makes on one clipper. */
  readonly steps?: number;
}

export interface ParityRun {
  readonly backends: readonly ParityBackendEntry[];
  readonly results: readonly ParityResult[];
  readonly summary: {
    readonly cases: number;
    readonly backends: number;
    /** Results (case × available backend) bit-identical to the oracle. */
    readonly bitIdentical: number;
    readonly compared: number;
    readonly maxUlp: number;
    readonly failed: number;
    /** Backends expected on this machine (`isExpectedBackend`) that could not start: the run fails. */
    readonly missing: readonly string[];
  };
}

export interface RunParityOptions {
  readonly backends: readonly PlaygroundBackend[];
  readonly cases: readonly ParityCase[];
  /** Judged against their own expectations (`checkSequenceCase`), not the oracle's call. */
  readonly sequenceCases?: readonly SequenceCase[];
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /** Whether a backend must start on this machine. Default: `isExpectedBackend`. */
  readonly isExpected?: (id: string) => boolean;
}

/** One call's outputs, report or error (the page of the browser rows makes the same call). */
export type Called = ClipCallResult;

export function callBackend<T>(backend: ClipBackend<T>, testCase: ParityCase): Promise<Called> {
  return callClip(backend, testCase);
}

export function outputsToJson(outputs: readonly NamedHostTensor[] | null): OutputJson[] | null {
  if (outputs === null) return null;
  return outputs.map((output) =>
    output.values.length > OUTPUT_VALUES_LIMIT
      ? { name: output.name, shape: [...output.shape], hash: bitsHash(output.values) }
      : gradientToJson(output),
  );
}

export function compare(
  oracle: Called,
  actual: Called,
  allowed: number,
): Pick<ParityResult, 'status' | 'bitIdentical' | 'maxUlp' | 'detail'> {
  if (oracle.error !== null || actual.error !== null) {
    if (oracle.error !== null && actual.error !== null && oracle.error.code === actual.error.code) {
      return { status: 'pass', bitIdentical: true, maxUlp: 0, detail: null };
    }
    const detail = `oracle: ${oracle.error?.code ?? 'outputs'}; backend: ${actual.error ? `${actual.error.code}: ${actual.error.message}` : 'outputs'}`;
    return { status: actual.error !== null ? 'error' : 'fail', bitIdentical: false, maxUlp: null, detail };
  }
  let worst = 0;
  let bitIdentical = true;
  let detail: string | null = null;
  (actual.outputs ?? []).forEach((output, i) => {
    const expected = (oracle.outputs ?? [])[i] as NamedHostTensor;
    if (!sameFloat32Array(output.values, expected.values)) {
      bitIdentical = false;
      const ulps = maxUlpDistance(output.values, expected.values);
      if (ulps > worst) {
        worst = ulps;
        detail = `"${output.name}" differs from the oracle by up to ${ulps} ULP`;
      }
    }
  });
  return { status: worst <= allowed ? 'pass' : 'fail', bitIdentical, maxUlp: worst, detail };
}

/**
 * Runs every case through every backend, one backend at a time (engines such as TF.js keep global
 * state, so a backend is started, run over all cases and disposed before the next). The oracle's
 * result for each case is computed once and kept. Backends that cannot start are listed with the
 * reason.
 */
/** A backend that could not start (or whose process or page failed before any result). */
export function unavailableEntry(
  backend: { readonly id: string; readonly mode: string },
  reason: string,
): ParityBackendEntry {
  return {
    id: backend.id,
    name: backend.id,
    mode: backend.mode,
    version: 'unknown',
    available: false,
    reason,
    maxUlpAllowed: null,
  };
}

/** A run's summary before `mergeParityRuns` counts its results. */
export function uncountedSummary(cases: number): ParityRun['summary'] {
  return { cases, backends: 0, bitIdentical: 0, compared: 0, maxUlp: 0, failed: 0, missing: [] };
}

/** A case a backend did not run (a capability its manifest does not declare, a size limit). */
export function skippedResult(caseId: string, backend: string, detail: string): ParityResult {
  return {
    caseId,
    backend,
    status: 'skip',
    bitIdentical: false,
    maxUlp: null,
    report: null,
    outputs: null,
    error: null,
    detail,
    durationMs: 0,
  };
}

/**
 * A compared case: a difference the manifest declares (case, kind, reason) is reported as a pass,
 * with the declaration and the measurement in its detail, not failed.
 */
export function comparedResult(
  caseId: string,
  backend: string,
  manifest: BackendManifest,
  verdict: ReturnType<typeof compare>,
  actual: Called,
): ParityResult {
  const declared = manifest.expectedFailures.filter((failure) => failure.caseId === caseId);
  const expected = verdict.status !== 'pass' && declared.length > 0;
  return {
    caseId,
    backend,
    ...verdict,
    ...(expected
      ? {
          status: 'pass' as const,
          detail: `declared in the manifest (${declared.map((f) => `${f.kind}: ${f.reason}`).join('; ')}); measured: ${verdict.detail}`,
        }
      : {}),
    report: actual.report,
    outputs: outputsToJson(actual.outputs),
    error: actual.error,
    durationMs: actual.durationMs,
  };
}

/**
 * A sequence case's outcome as a row of the matrix: the kit's judge has already applied the
 * manifest (declared failures pass with the declaration in the detail, as `comparedResult` does);
 * a failure's detail names its step ("step 3 of 24: …").
 */
export function sequenceResult(outcome: CaseOutcome, backend: string, steps: number): ParityResult {
  const failures = outcome.failures.map((failure) => failure.detail).join('; ');
  const base = { caseId: outcome.caseId, backend, report: null, outputs: null, error: null, steps };
  const durationMs = outcome.durationMs;
  switch (outcome.status) {
    case 'skip':
      return { ...skippedResult(outcome.caseId, backend, outcome.reason ?? 'skipped'), steps };
    case 'pass':
    case 'unexpected-pass':
      return {
        ...base,
        status: 'pass',
        bitIdentical: outcome.measuredUlp === 0,
        maxUlp: outcome.measuredUlp,
        detail:
          outcome.status === 'pass'
            ? null
            : `declared in the manifest (${outcome.reason}), but every step matched`,
        durationMs,
      };
    case 'expected-failure':
      return {
        ...base,
        status: 'pass',
        bitIdentical: false,
        maxUlp: outcome.measuredUlp,
        detail: `declared in the manifest (${outcome.reason}); measured: ${failures}`,
        durationMs,
      };
    case 'fail': {
      const threw = outcome.failures.some((failure) => failure.kind === 'threw');
      // A hashed output that differs (or a call that threw) has no ULP distance to report.
      const unmeasured =
        threw ||
        (outcome.measuredUlp === 0 && outcome.failures.some((failure) => failure.kind === 'mismatch'));
      return {
        ...base,
        status: threw ? 'error' : 'fail',
        bitIdentical: false,
        maxUlp: unmeasured ? null : outcome.measuredUlp,
        detail: failures,
        durationMs,
      };
    }
  }
}

/** Runs one sequence case; a case the kit cannot even start (e.g. a clipper that throws on creation) is an error row, not a crash. */
export async function runSequenceCase<T>(
  backend: ClipBackend<T>,
  testCase: SequenceCase,
  backendId: string,
): Promise<ParityResult> {
  try {
    return sequenceResult(await checkSequenceCase(backend, testCase), backendId, testCase.steps.length);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof ClipError ? error.code : error instanceof Error ? error.name : 'Error';
    return {
      caseId: testCase.id,
      backend: backendId,
      status: 'error',
      bitIdentical: false,
      maxUlp: null,
      report: null,
      outputs: null,
      error: { code, message },
      detail: `the case could not run: ${code}: ${message}`,
      durationMs: 0,
      steps: testCase.steps.length,
    };
  }
}

export async function runParity(options: RunParityOptions): Promise<ParityRun> {
  const oracleBackend = createReferenceBackend();
  const oracles = new Map<string, Called>();
  const oracleOf = async (testCase: ParityCase): Promise<Called> => {
    let oracle = oracles.get(testCase.id);
    if (oracle === undefined) {
      oracle = await callBackend(oracleBackend, testCase);
      oracles.set(testCase.id, oracle);
    }
    return oracle;
  };
  const entries: ParityBackendEntry[] = [];
  const results: ParityResult[] = [];
  const sequenceCases = options.sequenceCases ?? [];
  const caseCount = options.cases.length + sequenceCases.length;
  const total = caseCount * options.backends.length;
  let done = 0;
  for (const candidate of options.backends) {
    let backend: ClipBackend<unknown>;
    try {
      backend = await candidate.create();
    } catch (error) {
      entries.push(unavailableEntry(candidate, error instanceof Error ? error.message : String(error)));
      done += caseCount;
      options.onProgress?.(done, total, `${candidate.id} unavailable`);
      continue;
    }
    const entry: ParityBackendEntry = {
      id: backend.id,
      name: backend.name,
      mode: candidate.mode,
      version: backend.version,
      available: true,
      reason: null,
      maxUlpAllowed: backend.manifest.maxUlp,
    };
    entries.push(entry);
    try {
      for (const testCase of options.cases) {
        const missing = (testCase.requires ?? []).filter(
          (capability) => !backend.manifest.capabilities.includes(capability),
        );
        if (missing.length > 0) {
          results.push(
            skippedResult(testCase.id, entry.id, `the manifest does not declare ${missing.join(', ')}`),
          );
        } else {
          const oracle = await oracleOf(testCase);
          const actual = entry.id === 'reference' ? oracle : await callBackend(backend, testCase);
          const verdict = compare(oracle, actual, entry.maxUlpAllowed ?? 0);
          results.push(comparedResult(testCase.id, entry.id, backend.manifest, verdict, actual));
        }
        done++;
        options.onProgress?.(done, total, `${entry.id} ${testCase.id}`);
      }
      for (const testCase of sequenceCases) {
        results.push(await runSequenceCase(backend, testCase, entry.id));
        done++;
        options.onProgress?.(done, total, `${entry.id} ${testCase.id}`);
      }
    } finally {
      await backend.dispose();
    }
  }
  return mergeParityRuns(
    [
      {
        backends: entries,
        results,
        summary: uncountedSummary(caseCount),
      },
    ],
    options.isExpected,
  );
}

/** Joins runs over the same cases (e.g. from child processes) into one, recomputing the summary. */
export function mergeParityRuns(
  runs: readonly ParityRun[],
  isExpected: (id: string) => boolean = (id) => isExpectedBackend(id),
): ParityRun {
  const backends = runs.flatMap((run) => run.backends);
  const results = runs.flatMap((run) => run.results);
  const compared = results.filter((result) => result.status !== 'skip');
  return {
    backends,
    results,
    summary: {
      cases: Math.max(0, ...runs.map((run) => run.summary.cases)),
      backends: backends.filter((entry) => entry.available).length,
      bitIdentical: compared.filter((result) => result.bitIdentical).length,
      compared: compared.length,
      maxUlp: Math.max(0, ...compared.map((result) => result.maxUlp ?? 0)),
      failed: compared.filter((result) => result.status === 'fail' || result.status === 'error').length,
      missing: backends.filter((entry) => !entry.available && isExpected(entry.id)).map((entry) => entry.id),
    },
  };
}
