/**
 * Runs one conformance case on a backend and judges it: values bit for bit (or within the ULP
 * distance the backend's manifest declares), the report, and invariants that hold whatever the
 * expected vectors say — inputs unmutated, post-clip norm within the threshold, direction kept,
 * exact identity when nothing was clipped. Returns an outcome; never asserts.
 */
import type { ClipBackend, ConformanceFailureKind } from '../backend.js';
import { clip } from '../clipper.js';
import { ClipError } from '../errors.js';
import { firstFloat32Difference, maxUlpDistance, sameFloat32, sameFloat32Array } from '../float32.js';
import { float32FromJson, float32ToJson, type NamedHostTensor } from '../gradient-json.js';
import { parseSpec } from '../parse-spec.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import type { ClipReport } from '../report.js';
import type { ResolvedSpec } from '../spec.js';
import { bitsHash, type CaseReport, type ConformanceCase } from './case-format.js';
import { caseInputValues } from './case-inputs.js';

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
  /** Largest ULP distance between the backend's outputs and the expected outputs (0 = bit-identical). */
  readonly maxUlp: number;
  readonly report?: ClipReport;
  /** The backend's outputs, when `keepOutputs` was asked for. */
  readonly outputs?: readonly NamedHostTensor[];
  readonly durationMs: number;
}

export interface CheckCaseOptions {
  /** Keep the backend's outputs in the outcome (for parity reports). Default false. */
  readonly keepOutputs?: boolean;
}

/** Relative tolerance for the float64 norms in the report (backends may sum in another order). */
const NORM_RELATIVE_TOLERANCE = 1e-9;
/** A clipped norm may exceed the threshold by the float32 rounding of the scale and of each element. */
const BOUND_SLACK = 2 ** -21;

export async function checkCase<T>(
  backend: ClipBackend<T>,
  testCase: ConformanceCase,
  options: CheckCaseOptions = {},
): Promise<CaseOutcome> {
  const started = performance.now();
  const missing = (testCase.requires ?? []).filter(
    (capability) => !backend.manifest.capabilities.includes(capability),
  );
  if (missing.length > 0) {
    return {
      caseId: testCase.id,
      status: 'skip',
      failures: [],
      reason: `backend "${backend.id}" does not declare the capabilit${missing.length === 1 ? 'y' : 'ies'} ${missing.join(', ')}`,
      maxUlp: 0,
      durationMs: performance.now() - started,
    };
  }
  const raw = await runAndJudge(backend, testCase, options);
  const failures = raw.failures;
  const expected = backend.manifest.expectedFailures.filter((entry) => entry.caseId === testCase.id);
  const base = { caseId: testCase.id, maxUlp: raw.maxUlp, durationMs: performance.now() - started };
  const extras = {
    ...(raw.report ? { report: raw.report } : {}),
    ...(raw.outputs ? { outputs: raw.outputs } : {}),
  };
  if (expected.length === 0) {
    return { ...base, ...extras, status: failures.length === 0 ? 'pass' : 'fail', failures };
  }
  const reason = expected.map((entry) => `${entry.kind}: ${entry.reason}`).join('; ');
  const unexplained = failures.filter((failure) => !expected.some((entry) => entry.kind === failure.kind));
  if (failures.length === 0) return { ...base, ...extras, status: 'unexpected-pass', failures, reason };
  if (unexplained.length > 0) return { ...base, ...extras, status: 'fail', failures: unexplained, reason };
  return { ...base, ...extras, status: 'expected-failure', failures, reason };
}

interface Judged {
  readonly failures: CaseFailure[];
  readonly maxUlp: number;
  readonly report?: ClipReport;
  readonly outputs?: NamedHostTensor[];
}

async function runAndJudge<T>(
  backend: ClipBackend<T>,
  testCase: ConformanceCase,
  options: CheckCaseOptions,
): Promise<Judged> {
  const failures: CaseFailure[] = [];
  const fail = (kind: ConformanceFailureKind, detail: string) => failures.push({ kind, detail });
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
      return { failures, maxUlp: 0 };
    }
    if (thrown !== undefined || result === undefined) {
      fail('threw', `expected outputs, but the call threw ${describeError(thrown)}`);
      return { failures, maxUlp: 0 };
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
    const maxUlp = await compareOutputs(backend, testCase, hostInputs, outputs, fail);
    compareReport(result.report, expectation.report, backend.manifest.maxUlp, fail);
    checkInvariants(parseSpec(testCase.spec), hostInputs, outputs, result.report, fail);
    return { failures, maxUlp, report: result.report, ...(options.keepOutputs ? { outputs } : {}) };
  } finally {
    if (owned.size > 0) backend.release([...owned]);
  }
}

async function checkUnmutated<T>(
  backend: ClipBackend<T>,
  tensors: readonly T[],
  hostInputs: readonly NamedHostTensor[],
  fail: (kind: ConformanceFailureKind, detail: string) => void,
): Promise<void> {
  for (let i = 0; i < tensors.length; i++) {
    const input = hostInputs[i] as NamedHostTensor;
    const now = await backend.toHost(tensors[i] as T);
    if (!sameFloat32Array(now, input.values)) {
      const difference = firstFloat32Difference(now, input.values);
      fail(
        'mutated-input',
        `input "${input.name}" changed at [${difference?.index}]: ${difference?.expected} became ${difference?.actual}`,
      );
    }
  }
}

async function compareOutputs<T>(
  backend: ClipBackend<T>,
  testCase: ConformanceCase,
  hostInputs: readonly NamedHostTensor[],
  outputs: readonly NamedHostTensor[],
  fail: (kind: ConformanceFailureKind, detail: string) => void,
): Promise<number> {
  const expectation = testCase.expect;
  if (!('outputs' in expectation)) return 0;
  let worst = 0;
  let oracle: Record<string, { values: Float32Array }> | undefined;
  for (let i = 0; i < outputs.length; i++) {
    const output = outputs[i] as NamedHostTensor;
    const expected = expectation.outputs[i];
    if (expected === undefined || expected.name !== output.name) {
      fail('mismatch', `expected output ${i} to be "${expected?.name}", got "${output.name}"`);
      continue;
    }
    let expectedValues: Float32Array;
    if ('values' in expected) {
      expectedValues = new Float32Array(
        expected.values.map((value, k) => float32FromJson(value, `${expected.name}[${k}]`)),
      );
    } else {
      if (bitsHash(output.values) === expected.hash) continue;
      // Hashed outputs: recompute the oracle's to say where and by how much they differ.
      oracle ??= (
        await clip(hostInputs, testCase.spec as never, { backend: createReferenceBackend() })
      ).gradients.reduce(
        (all, tensor, k) => Object.assign(all, { [(hostInputs[k] as NamedHostTensor).name]: tensor }),
        {} as Record<string, { values: Float32Array }>,
      );
      expectedValues = (oracle[output.name] as { values: Float32Array }).values;
    }
    if (expectedValues.length !== output.values.length) {
      fail(
        'mismatch',
        `output "${output.name}" has ${output.values.length} values, expected ${expectedValues.length}`,
      );
      continue;
    }
    if (sameFloat32Array(output.values, expectedValues)) continue;
    const ulps = maxUlpDistance(output.values, expectedValues);
    worst = Math.max(worst, ulps);
    if (ulps > backend.manifest.maxUlp) {
      const difference = firstFloat32Difference(output.values, expectedValues);
      fail(
        'mismatch',
        `output "${output.name}"[${difference?.index}] is ${fmt(difference?.actual)}, expected ${fmt(difference?.expected)} ` +
          `(${difference?.ulps} ULP; worst ${ulps} ULP; manifest allows ${backend.manifest.maxUlp})`,
      );
    }
  }
  return worst;
}

function compareReport(
  actual: ClipReport,
  expected: CaseReport,
  maxUlp: number,
  fail: (kind: ConformanceFailureKind, detail: string) => void,
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
      maxUlp === 0
        ? sameFloat32(actual.scale, want) || closeFloat64(actual.scale, want, 0)
        : closeFloat64(actual.scale, want, 1e-6);
    if (!same) problems.push(`scale ${actual.scale} ≠ ${want}`);
  }
  if (problems.length > 0) fail('report-mismatch', `report: ${problems.join('; ')}`);
}

/** Invariants checked from the data itself, independent of the expected vectors. */
function checkInvariants(
  spec: ResolvedSpec,
  inputs: readonly NamedHostTensor[],
  outputs: readonly NamedHostTensor[],
  report: ClipReport,
  fail: (kind: ConformanceFailureKind, detail: string) => void,
): void {
  if (!report.clipped) {
    const changed = outputs.find(
      (output, i) => !sameFloat32Array(output.values, (inputs[i] as NamedHostTensor).values),
    );
    if (changed)
      fail('identity-broken', `report.clipped is false, but output "${changed.name}" differs from its input`);
    return;
  }
  if (report.nonFiniteCount > 0 || spec.kind === 'chain') return;
  if (spec.kind === 'value') {
    const min = Math.fround(spec.min);
    const max = Math.fround(spec.max);
    for (const output of outputs) {
      const bad = output.values.findIndex((value) => value < min || value > max);
      if (bad >= 0)
        fail(
          'norm-exceeds-bound',
          `value clip left "${output.name}"[${bad}] = ${output.values[bad]} outside [${min}, ${max}]`,
        );
    }
    return;
  }
  // The adaptive kinds' thresholds come from state; their sequences are checked against fixtures.
  if (spec.kind !== 'norm' && spec.kind !== 'globalNorm') return;
  const groups = spec.kind === 'globalNorm' ? [outputs.map((_, i) => i)] : outputs.map((_, i) => [i]);
  for (const group of groups) {
    // Per-slice norms with axes are checked through the values; the whole-tensor bound still holds per slice.
    if (spec.kind === 'norm' && spec.axes !== undefined) break;
    const arrays = group.map((i) => (outputs[i] as NamedHostTensor).values);
    // Relative slack for the roundings, plus each element's absolute rounding in the subnormal range.
    const count = arrays.reduce((total, values) => total + values.length, 0);
    // A scale below 2^-126 is a subnormal float32 with an absolute rounding of its own.
    const bound =
      spec.maxNorm * (1 + BOUND_SLACK) + count ** (1 / spec.p) * 2 ** -149 + report.normBefore * 2 ** -149;
    const norm = pNorm(arrays, spec.p);
    if (norm > bound) {
      const names = group.map((i) => (outputs[i] as NamedHostTensor).name).join(', ');
      fail(
        'norm-exceeds-bound',
        `after clipping, the ${spec.p}-norm of ${names} is ${norm}, above maxNorm ${spec.maxNorm}`,
      );
    }
    checkDirection(
      group.map((i) => inputs[i] as NamedHostTensor),
      group.map((i) => outputs[i] as NamedHostTensor),
      fail,
    );
  }
  if (spec.compat === 'exact' && spec.kind === 'globalNorm') {
    const before = pNorm(
      inputs.map((input) => input.values),
      spec.p,
    );
    if (before < spec.maxNorm * (1 - 1e-12)) {
      fail(
        'identity-broken',
        `the input's norm ${before} is below maxNorm ${spec.maxNorm}, yet the gradients were changed`,
      );
    }
  }
}

/** All elements of a group scaled by one non-negative factor (up to float32 rounding). */
function checkDirection(
  inputs: readonly NamedHostTensor[],
  outputs: readonly NamedHostTensor[],
  fail: (kind: ConformanceFailureKind, detail: string) => void,
): void {
  let reference: { ratio: number; magnitude: number } | undefined;
  for (const input of inputs) {
    input.values.forEach((g, k) => {
      const magnitude = Math.abs(g);
      if (
        magnitude > 1e-30 &&
        Number.isFinite(g) &&
        (reference === undefined || magnitude > reference.magnitude)
      ) {
        const output = outputs[inputs.indexOf(input)] as NamedHostTensor;
        reference = { ratio: (output.values[k] as number) / g, magnitude };
      }
    });
  }
  if (reference === undefined) return;
  const { ratio } = reference;
  for (let t = 0; t < inputs.length; t++) {
    const input = inputs[t] as NamedHostTensor;
    const output = outputs[t] as NamedHostTensor;
    for (let k = 0; k < input.values.length; k++) {
      const g = input.values[k] as number;
      const out = output.values[k] as number;
      const want = g * ratio;
      // Each side carries one float32 rounding; subnormal results only an absolute one.
      if (Math.abs(out - want) > Math.abs(want) * 2 ** -21 + 2e-45) {
        fail(
          'direction-changed',
          `"${output.name}"[${k}] = ${out}, but ${g} scaled like the rest would be ${want}`,
        );
        return;
      }
    }
  }
}

function pNorm(arrays: readonly Float32Array[], p: number): number {
  let total = 0;
  for (const values of arrays) {
    for (const value of values) {
      const magnitude = Math.abs(value);
      if (p === Number.POSITIVE_INFINITY) total = Math.max(total, magnitude);
      else total += magnitude ** p;
    }
  }
  return p === Number.POSITIVE_INFINITY ? total : total ** (1 / p);
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

function fmt(value: number | undefined): string {
  return value === undefined ? 'undefined' : String(float32ToJson(value));
}

function describeError(error: unknown): string {
  if (error instanceof ClipError) return `ClipError ${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
