/**
 * Runs one conformance case on a backend and judges it: values bit for bit (or within the ULP
 * distance the backend's manifest declares), the report, and invariants that hold whatever the
 * expected vectors say — inputs unmutated, post-clip norm within the threshold, direction kept,
 * exact identity when nothing was clipped. Returns an outcome; never asserts.
 */
import type { ClipBackend, ConformanceFailureKind } from '../backend.js';
import { clip } from '../clipper.js';
import { ClipError } from '../errors.js';
import type { NamedHostTensor } from '../gradient-json.js';
import { parseSpec } from '../parse-spec.js';
import type { ClipReport } from '../report.js';
import type { ConformanceCase } from './case-format.js';
import { caseInputValues } from './case-inputs.js';
import { checkUnmutated, compareOutputs } from './compare-outputs.js';
import { compareReport } from './compare-report.js';
import { checkInvariants } from './invariants.js';
import { judgeOutcome, skipForCapabilities } from './judge-outcome.js';

export type CaseStatus = 'pass' | 'fail' | 'skip' | 'expected-failure' | 'unexpected-pass';

export interface CaseFailure {
  readonly kind: ConformanceFailureKind;
  readonly detail: string;
}

export interface CaseOutcome {
  readonly caseId: string;
  readonly status: CaseStatus;
  /** Every problem found (also for `expected-failure`). */
  readonly failures: readonly CaseFailure[];
  /** Why a case was skipped, or the manifest's reason for an expected failure. */
  readonly reason?: string;
  /**
   * Largest ULP distance measured between the backend's outputs and the expected outputs
   * (0 = bit-identical); the manifest's `maxUlp` is what is allowed.
   */
  readonly measuredUlp: number;
  readonly report?: ClipReport;
  /** The backend's outputs, when `keepOutputs` was asked for. */
  readonly outputs?: readonly NamedHostTensor[];
  readonly durationMs: number;
}

export interface CheckCaseOptions {
  /** Keep the backend's outputs in the outcome (for parity reports). Default false. */
  readonly keepOutputs?: boolean;
}

/** Records one problem found in a case. */
export type RecordFailure = (kind: ConformanceFailureKind, detail: string) => void;

export async function checkCase<T>(
  backend: ClipBackend<T>,
  testCase: ConformanceCase,
  options: CheckCaseOptions = {},
): Promise<CaseOutcome> {
  const started = performance.now();
  const skipped = skipForCapabilities(backend, testCase, started);
  if (skipped !== undefined) return skipped;
  const raw = await runAndJudge(backend, testCase, options);
  return judgeOutcome(backend, testCase.id, raw.failures, {
    measuredUlp: raw.measuredUlp,
    durationMs: performance.now() - started,
    ...(raw.report ? { report: raw.report } : {}),
    ...(raw.outputs ? { outputs: raw.outputs } : {}),
  });
}

interface Judged {
  readonly failures: CaseFailure[];
  readonly measuredUlp: number;
  readonly report?: ClipReport;
  readonly outputs?: NamedHostTensor[];
}

async function runAndJudge<T>(
  backend: ClipBackend<T>,
  testCase: ConformanceCase,
  options: CheckCaseOptions,
): Promise<Judged> {
  const failures: CaseFailure[] = [];
  const fail: RecordFailure = (kind, detail) => failures.push({ kind, detail });
  const hostInputs = testCase.input.map((input) => ({
    name: input.name,
    shape: [...input.shape],
    values: caseInputValues(input),
  }));
  const tensors: T[] = [];
  const owned = new Set<T>();
  try {
    for (const input of hostInputs) {
      const tensor = await backend.fromHost(input.values.slice(), input.shape);
      tensors.push(tensor);
      owned.add(tensor);
    }
    const gradients = Object.fromEntries(hostInputs.map((input, i) => [input.name, tensors[i] as T]));
    let result: Awaited<ReturnType<typeof clip<T, Record<string, T>>>> | undefined;
    let thrown: unknown;
    try {
      result = await clip<T, Record<string, T>>(gradients, testCase.spec as never, { backend });
    } catch (error) {
      thrown = error;
    }
    const expectation = testCase.expect;
    if ('error' in expectation) {
      if (thrown === undefined) {
        fail('missing-error', `expected ClipError ${expectation.error.code}, but the call succeeded`);
      } else if (!(thrown instanceof ClipError) || thrown.code !== expectation.error.code) {
        fail('wrong-error', `expected ClipError ${expectation.error.code}, got ${describeError(thrown)}`);
      } else {
        const { tensor, index } = expectation.error;
        if (tensor !== undefined && thrown.tensor !== tensor) {
          fail('wrong-error', `expected the error to name tensor "${tensor}", it named "${thrown.tensor}"`);
        }
        if (index !== undefined && thrown.index !== index) {
          fail('wrong-error', `expected the error to name index ${index}, it named ${thrown.index}`);
        }
      }
      await checkUnmutated(backend, tensors, hostInputs, fail);
      return { failures, measuredUlp: 0 };
    }
    if (thrown !== undefined || result === undefined) {
      fail('threw', `expected outputs, but the call threw ${describeError(thrown)}`);
      return { failures, measuredUlp: 0 };
    }
    const outputTensors = hostInputs.map((input) => result.gradients[input.name] as T);
    for (const tensor of outputTensors) owned.add(tensor);
    const outputs: NamedHostTensor[] = [];
    for (let i = 0; i < outputTensors.length; i++) {
      const input = hostInputs[i] as NamedHostTensor;
      outputs.push({
        name: input.name,
        shape: input.shape,
        values: await backend.toHost(outputTensors[i] as T),
      });
    }
    await checkUnmutated(backend, tensors, hostInputs, fail);
    const measuredUlp = await compareOutputs(backend, testCase, hostInputs, outputs, fail);
    compareReport(result.report, expectation.report, backend.manifest.maxUlp, fail);
    checkInvariants(parseSpec(testCase.spec), hostInputs, outputs, result.report, fail);
    return { failures, measuredUlp, report: result.report, ...(options.keepOutputs ? { outputs } : {}) };
  } finally {
    if (owned.size > 0) backend.release([...owned]);
  }
}

function describeError(error: unknown): string {
  if (error instanceof ClipError) return `ClipError ${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
