import { ClipError, gradientFromJson, type NamedHostTensor } from '@gradclip/core';
import type { BackendCapability } from '@gradclip/core/backend';
import {
  type ConformanceCase,
  caseInputValues,
  isSequenceCase,
  type SequenceCase,
} from '@gradclip/core/conformance';

/** A case the parity run compares across backends; the oracle's result is computed at run time. */
export interface ParityCase {
  readonly id: string;
  /** The spec as given (JSON form); validation errors are part of what is compared. */
  readonly spec: unknown;
  readonly input: readonly NamedHostTensor[];
  /** The parameters beside the gradients (`agc`), passed to `clip` as `{ parameters }`. */
  readonly parameters?: readonly NamedHostTensor[];
  readonly source: 'conformance' | 'file' | 'captured';
  readonly requires?: readonly BackendCapability[];
}

/** What a case file holds: single cases (judged against the oracle) and sequence cases (judged against their own expectations). */
export interface CaseFile {
  readonly cases: ParityCase[];
  readonly sequenceCases: SequenceCase[];
}

export function fromConformanceCase(testCase: ConformanceCase): ParityCase {
  return {
    id: testCase.id,
    spec: testCase.spec,
    input: testCase.input.map((input) => ({
      name: input.name,
      shape: [...input.shape],
      values: caseInputValues(input),
    })),
    source: 'conformance',
    ...(testCase.requires ? { requires: testCase.requires } : {}),
  };
}

type Fail = (field: string, value: unknown, expected: string) => never;

const JSON_FLOATS = ['NaN', 'Infinity', '-Infinity', '-0'];
const JSON_FLOAT = 'a number or one of "NaN", "Infinity", "-Infinity", "-0"';

/**
 * Reads an outside case file `{ "cases": [ … ] }` mixing single cases
 * `{ "id", "spec", "input", "parameters"? }` (the oracle's result is the expected one) and sequence
 * cases `{ "id", "spec", "steps": [ … ], "finalState"? }` (the kit's `SequenceCase`: a case with
 * `steps`, judged by `checkSequenceCase` against the expectations it states). Every problem is a
 * `ClipError` naming the case (by index and id) and the field. Specs are checked when they run, so
 * that an invalid spec can itself be a case (every backend must reject it alike).
 */
export function parseCaseFile(data: unknown, file = 'cases file'): CaseFile {
  const fail: Fail = (field, value, expected) => {
    throw new ClipError('INVALID_SPEC', `${file}: ${field}: got ${describe(value)}, expected ${expected}`, {
      field,
      value,
      expected,
    });
  };
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { cases?: unknown }).cases)) {
    fail('cases', (data as { cases?: unknown } | null)?.cases, 'an object { "cases": [ … ] }');
  }
  const entries = (data as { cases: unknown[] }).cases;
  const ids = new Set<string>();
  const parsed: CaseFile = { cases: [], sequenceCases: [] };
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== 'object' || entry === null)
      fail(`cases[${i}]`, entry, 'an object { "id", "spec", "input" } or { "id", "spec", "steps" }');
    const { id, spec } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0) fail(`cases[${i}].id`, id, 'a non-empty string');
    const where = `cases[${i}] ("${id}")`;
    if (ids.has(id)) fail(`${where}.id`, id, 'ids that are unique within the file');
    ids.add(id);
    if (typeof spec !== 'object' || spec === null)
      fail(`${where}.spec`, spec, 'a spec object such as { "kind": "globalNorm", "maxNorm": 1 }');
    if (isSequenceCase(entry)) parsed.sequenceCases.push(checkSequenceEntry(entry, where, file, fail));
    else parsed.cases.push(singleCase(entry as Record<string, unknown>, id, where, file, fail));
  }
  return parsed;
}

function singleCase(
  entry: Record<string, unknown>,
  id: string,
  where: string,
  file: string,
  fail: Fail,
): ParityCase {
  const input = tensorsAt(entry.input, `${where}.input`, file, fail);
  const parameters =
    entry.parameters === undefined
      ? undefined
      : tensorsAt(entry.parameters, `${where}.parameters`, file, fail);
  return {
    id,
    spec: entry.spec,
    input,
    ...(parameters === undefined ? {} : { parameters }),
    source: 'file' as const,
  };
}

/**
 * Checks a sequence case before anything runs, so that a malformed file fails in one line naming the
 * field instead of part-way through a run; the case itself is kept as written and judged by the
 * kit's `checkSequenceCase`, which reads its values.
 */
function checkSequenceEntry(entry: SequenceCase, where: string, file: string, fail: Fail): SequenceCase {
  const { description, requires, steps } = entry as unknown as Record<string, unknown>;
  if (description !== undefined && typeof description !== 'string')
    fail(`${where}.description`, description, 'a string');
  if (requires !== undefined && !(Array.isArray(requires) && requires.every((r) => typeof r === 'string')))
    fail(`${where}.requires`, requires, 'an array of capability names');
  if (!Array.isArray(steps) || steps.length === 0)
    fail(`${where}.steps`, steps, 'a non-empty array of { "input", "parameters"?, "expect" }');
  (steps as unknown[]).forEach((step, s) => {
    const at = `${where}.steps[${s}]`;
    if (typeof step !== 'object' || step === null || Array.isArray(step))
      fail(at, step, 'an object { "input", "parameters"?, "expect": { "outputs", "report" } }');
    const { input, parameters, expect } = step as Record<string, unknown>;
    const inputs = tensorsAt(input, `${at}.input`, file, fail);
    if (parameters !== undefined) tensorsAt(parameters, `${at}.parameters`, file, fail);
    if (typeof expect !== 'object' || expect === null || Array.isArray(expect))
      fail(`${at}.expect`, expect, 'an object { "outputs", "report" }');
    const { outputs, report } = expect as Record<string, unknown>;
    if (!Array.isArray(outputs) || outputs.length !== inputs.length)
      fail(`${at}.expect.outputs`, outputs, `an array of ${inputs.length} outputs, one per input, in order`);
    (outputs as unknown[]).forEach((output, k) => {
      const field = `${at}.expect.outputs[${k}]`;
      const want = (inputs[k] as NamedHostTensor).name;
      const name = isHashed(output)
        ? hashedOutputName(output, field, fail)
        : tensorAt(output, field, file).name;
      if (name !== want) fail(`${field}.name`, name, `"${want}", the name of input[${k}]`);
    });
    checkReport(report, `${at}.expect.report`, fail);
  });
  return entry;
}

function isHashed(output: unknown): output is Record<string, unknown> {
  return typeof output === 'object' && output !== null && 'hash' in output;
}

/** An output written as `bitsHash` of its bits: name, shape and hash, no values. */
function hashedOutputName(output: Record<string, unknown>, field: string, fail: Fail): string {
  const { name, shape, hash } = output;
  if (typeof name !== 'string' || name.length === 0) fail(`${field}.name`, name, 'a non-empty string');
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0))
    fail(`${field}.shape`, shape, 'an array of integers ≥ 0');
  if (typeof hash !== 'string' || !/^[0-9a-f]{16}$/.test(hash))
    fail(`${field}.hash`, hash, 'bitsHash of the output: 16 lowercase hex digits');
  return name as string;
}

function checkReport(report: unknown, field: string, fail: Fail): void {
  if (typeof report !== 'object' || report === null || Array.isArray(report))
    fail(field, report, 'an object { "kind", "normBefore", "normAfter", "scale", "clipped", … }');
  const fields = report as Record<string, unknown>;
  if (typeof fields.kind !== 'string') fail(`${field}.kind`, fields.kind, 'a strategy kind such as "zClip"');
  for (const key of ['clipped', 'skipped']) {
    if (typeof fields[key] !== 'boolean') fail(`${field}.${key}`, fields[key], 'true or false');
  }
  const count = fields.nonFiniteCount;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
    fail(`${field}.nonFiniteCount`, count, 'an integer ≥ 0');
  for (const key of ['normBefore', 'normAfter']) {
    if (!isJsonFloat(fields[key])) fail(`${field}.${key}`, fields[key], JSON_FLOAT);
  }
  if (fields.scale !== null && !isJsonFloat(fields.scale))
    fail(`${field}.scale`, fields.scale, `${JSON_FLOAT}, or null`);
  if (fields.threshold !== undefined && !isJsonFloat(fields.threshold))
    fail(`${field}.threshold`, fields.threshold, `${JSON_FLOAT} (or absent)`);
  const perTensor = fields.perTensorThresholds;
  if (perTensor !== undefined && !(Array.isArray(perTensor) && perTensor.every(isJsonFloat)))
    fail(`${field}.perTensorThresholds`, perTensor, `an array, each ${JSON_FLOAT} (or absent)`);
}

/** Report numbers are float64 (a norm may exceed the float32 range), so only the spelling is checked. */
function isJsonFloat(value: unknown): boolean {
  return typeof value === 'number' || JSON_FLOATS.includes(value as string);
}

/** A list of named tensors, read by core's `gradientFromJson`, with names unique within the list. */
function tensorsAt(list: unknown, field: string, file: string, fail: Fail): NamedHostTensor[] {
  if (!Array.isArray(list)) return fail(field, list, 'an array of { "name", "shape", "values" }');
  const names = new Set<string>();
  return list.map((gradient, k) => {
    const tensor = tensorAt(gradient, `${field}[${k}]`, file);
    if (names.has(tensor.name))
      fail(`${field}[${k}].name`, tensor.name, 'names that are unique within the list');
    names.add(tensor.name);
    return tensor;
  });
}

/** One tensor through `gradientFromJson`; its errors are prefixed with the file and the case's path. */
function tensorAt(gradient: unknown, field: string, file: string): NamedHostTensor {
  const split = field.lastIndexOf('.');
  const [prefix, own] = [field.slice(0, split), field.slice(split + 1)];
  try {
    return gradientFromJson(gradient, own);
  } catch (error) {
    if (error instanceof ClipError && error.code === 'INVALID_GRADIENTS') {
      throw new ClipError('INVALID_GRADIENTS', `${file}: ${prefix}.${error.message}`, {
        field: `${prefix}.${error.field ?? own}`,
        value: error.value,
        ...(error.expected === undefined ? {} : { expected: error.expected }),
      });
    }
    throw error;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
