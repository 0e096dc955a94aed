/**
 * Runs one sequence case on a backend: one clipper, one call per step, each step's outputs bit for
 * bit (or within the manifest's ULP allowance), its report (thresholds bit for bit — they come from
 * certified float32 norms, so every backend computes the same), and the state after the last step.
 * A step that fails ends the case: every later step would differ for the same reason. Returns an
 * outcome in `checkCase`'s shape; never asserts. A malformed case is not an outcome: it rejects with
 * `parseSequenceCase`'s `ClipError` before anything runs.
 */
import type { ClipBackend, ConformanceFailureKind } from '../backend.js';
import { createClipper } from '../clipper.js';
import { ClipError } from '../errors.js';
import { firstFloat32Difference, maxUlpDistance, sameFloat32Array } from '../float32.js';
import { float32FromJson, type JsonFloat } from '../gradient-json.js';
import type { ClipReport } from '../report.js';
import { bitsHash, type CaseInput } from './case-format.js';
import { caseInputValues } from './case-inputs.js';
import type { CaseFailure, CaseOutcome } from './check-case.js';
import { judgeOutcome, skipForCapabilities } from './judge-outcome.js';
import { parseSequenceCase } from './parse-sequence-case.js';
import type { SequenceCase, SequenceStepReport } from './sequence-case-format.js';

/** Relative tolerance for the report's float64 norms (backends may sum in another order). */
const NORM_RELATIVE_TOLERANCE = 1e-9;

export async function checkSequenceCase<T>(
  backend: ClipBackend<T>,
  testCase: SequenceCase,
): Promise<CaseOutcome> {
  parseSequenceCase(testCase);
  const started = performance.now();
  const skipped = skipForCapabilities(backend, testCase, started);
  if (skipped !== undefined) return skipped;
  const { failures, measuredUlp } = await runSteps(backend, testCase);
  return judgeOutcome(backend, testCase.id, failures, {
    measuredUlp,
    durationMs: performance.now() - started,
  });
}

async function runSteps<T>(
  backend: ClipBackend<T>,
  testCase: SequenceCase,
): Promise<{ failures: CaseFailure[]; measuredUlp: number }> {
  const failures: CaseFailure[] = [];
  let worst = 0;
  const clipper = createClipper<T>(testCase.spec as never, { backend });
  for (const [index, step] of testCase.steps.entries()) {
    const where = `step ${index + 1} of ${testCase.steps.length}`;
    const fail = (kind: ConformanceFailureKind, detail: string) =>
      failures.push({ kind, detail: `${where}: ${detail}` });
    const owned = new Set<T>();
    try {
      const gradients = await toBackend(backend, step.input, owned);
      const parameters =
        step.parameters === undefined ? undefined : await toBackend(backend, step.parameters, owned);
      let result: Awaited<ReturnType<typeof clipper.clip<Record<string, T>>>>;
      try {
        result = await clipper.clip(gradients, parameters === undefined ? {} : { parameters });
      } catch (error) {
        fail('threw', `expected outputs, but the call threw ${describeError(error)}`);
        break;
      }
      for (const tensor of Object.values(result.gradients)) owned.add(tensor);
      for (const [k, output] of step.expect.outputs.entries()) {
        const input = step.input[k] as CaseInput;
        const tensor = result.gradients[output.name];
        if (tensor === undefined || input.name !== output.name) {
          fail('mismatch', `no output named "${output.name}"`);
          continue;
        }
        const actual = await backend.toHost(tensor);
        if ('hash' in output) {
          if (bitsHash(actual) !== output.hash) {
            fail(
              'mismatch',
              `output "${output.name}" hashes to ${bitsHash(actual)}, expected ${output.hash}`,
            );
          }
          continue;
        }
        const want = new Float32Array(
          output.values.map((value, i) => float32FromJson(value, `${output.name}[${i}]`)),
        );
        if (sameFloat32Array(actual, want)) continue;
        const ulps = want.length === actual.length ? maxUlpDistance(actual, want) : Number.POSITIVE_INFINITY;
        worst = Math.max(worst, ulps);
        if (ulps > backend.manifest.maxUlp) {
          const difference = firstFloat32Difference(actual, want);
          fail(
            'mismatch',
            `output "${output.name}"[${difference?.index}] is ${difference?.actual}, expected ${difference?.expected} (${ulps} ULP)`,
          );
        }
      }
      const problems = compareStepReport(result.report, step.expect.report);
      if (problems.length > 0) fail('report-mismatch', `report: ${problems.join('; ')}`);
    } finally {
      if (owned.size > 0) backend.release([...owned]);
    }
    // Later steps start from this step's state: once it differs, so will they.
    if (failures.length > 0) break;
  }
  if (failures.length === 0 && testCase.finalState !== undefined) {
    const state = JSON.stringify(clipper.state);
    if (state !== JSON.stringify(testCase.finalState)) {
      failures.push({ kind: 'report-mismatch', detail: `state after the last step is ${state}` });
    }
  }
  return { failures, measuredUlp: worst };
}

async function toBackend<T>(
  backend: ClipBackend<T>,
  inputs: readonly CaseInput[],
  owned: Set<T>,
): Promise<Record<string, T>> {
  const tensors: Record<string, T> = {};
  for (const input of inputs) {
    const tensor = await backend.fromHost(caseInputValues(input), [...input.shape]);
    owned.add(tensor);
    tensors[input.name] = tensor;
  }
  return tensors;
}

function compareStepReport(actual: ClipReport, expected: SequenceStepReport): string[] {
  const problems: string[] = [];
  for (const key of ['kind', 'clipped', 'skipped', 'nonFiniteCount'] as const) {
    if (actual[key] !== expected[key]) problems.push(`${key} ${actual[key]} ≠ ${expected[key]}`);
  }
  for (const key of ['normBefore', 'normAfter'] as const) {
    const want = fromJson(expected[key]);
    const close =
      Object.is(actual[key], want) ||
      (Number.isNaN(want) && Number.isNaN(actual[key])) ||
      Math.abs(actual[key] - want) <= NORM_RELATIVE_TOLERANCE * Math.abs(want);
    if (!close) problems.push(`${key} ${actual[key]} ≠ ${want}`);
  }
  // The scale and the thresholds decide the bits: they must agree exactly.
  const scale = expected.scale === null ? null : fromJson(expected.scale);
  if (!Object.is(actual.scale, scale)) problems.push(`scale ${actual.scale} ≠ ${scale}`);
  const threshold = expected.threshold === undefined ? undefined : fromJson(expected.threshold);
  if (!Object.is(actual.threshold, threshold)) problems.push(`threshold ${actual.threshold} ≠ ${threshold}`);
  const perTensor = expected.perTensorThresholds?.map(fromJson);
  if (JSON.stringify(actual.perTensorThresholds) !== JSON.stringify(perTensor)) {
    problems.push(
      `perTensorThresholds ${JSON.stringify(actual.perTensorThresholds)} ≠ ${JSON.stringify(perTensor)}`,
    );
  }
  return problems;
}

/** Report numbers are float64; only the non-finite spellings need translating. */
function fromJson(value: JsonFloat): number {
  return typeof value === 'number' ? value : float32FromJson(value, 'report');
}

function describeError(error: unknown): string {
  if (error instanceof ClipError) return `ClipError ${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
