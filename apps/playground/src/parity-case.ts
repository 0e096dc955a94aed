import { ClipError, gradientFromJson, type NamedHostTensor } from '@gradclip/core';
import type { BackendCapability } from '@gradclip/core/backend';
import {
  type ConformanceCase,
  caseInputValues,
  isSequenceCase,
  parseSequenceCase,
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

function fail(field: string, value: unknown, expected: string): never {
  throw new ClipError('INVALID_SPEC', `${field}: got ${describe(value)}, expected ${expected}`, {
    field,
    value,
    expected,
  });
}

/**
 * Reads an outside case file `{ "cases": [ … ] }` mixing single cases
 * `{ "id", "spec", "input", "parameters"? }` (the oracle's result is the expected one) and sequence
 * cases `{ "id", "spec", "steps": [ … ], "finalState"? }` (the kit's `SequenceCase`: a case with
 * `steps`, checked by the kit's `parseSequenceCase` and judged by `checkSequenceCase` against the
 * expectations it states). Every problem is a `ClipError` naming the file, the case (by index and
 * id) and the field. Specs are checked when they run, so that an invalid spec can itself be a case
 * (every backend must reject it alike).
 */
export function parseCaseFile(data: unknown, file = 'cases file'): CaseFile {
  try {
    return readCases(data);
  } catch (error) {
    if (!(error instanceof ClipError)) throw error;
    // The same error, its message starting from the file; field, value and expected as they were.
    throw new ClipError(error.code, `${file}: ${error.message}`, {
      ...(error.field === undefined ? {} : { field: error.field }),
      value: error.value,
      ...(error.expected === undefined ? {} : { expected: error.expected }),
      cause: error,
    });
  }
}

function readCases(data: unknown): CaseFile {
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
    if (isSequenceCase(entry)) parsed.sequenceCases.push(parseSequenceCase(entry, where));
    else parsed.cases.push(singleCase(entry as Record<string, unknown>, id, where));
  }
  return parsed;
}

function singleCase(entry: Record<string, unknown>, id: string, where: string): ParityCase {
  const input = tensorsAt(entry.input, `${where}.input`);
  const parameters =
    entry.parameters === undefined ? undefined : tensorsAt(entry.parameters, `${where}.parameters`);
  return {
    id,
    spec: entry.spec,
    input,
    ...(parameters === undefined ? {} : { parameters }),
    source: 'file' as const,
  };
}

/** A list of named tensors, each read by core's `gradientFromJson`, with names unique within the list. */
function tensorsAt(list: unknown, field: string): NamedHostTensor[] {
  if (!Array.isArray(list)) return fail(field, list, 'an array of { "name", "shape", "values" }');
  const names = new Set<string>();
  return list.map((gradient, k) => {
    const tensor = gradientFromJson(gradient, `${field}[${k}]`);
    if (names.has(tensor.name))
      fail(`${field}[${k}].name`, tensor.name, 'names that are unique within the list');
    names.add(tensor.name);
    return tensor;
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
