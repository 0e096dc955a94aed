import { ClipError, gradientFromJson, type NamedHostTensor } from '@gradclip/core';
import type { BackendCapability } from '@gradclip/core/backend';
import { type ConformanceCase, caseInputValues } from '@gradclip/core/conformance';

/** A case the parity run compares across backends; the oracle's result is computed at run time. */
export interface ParityCase {
  readonly id: string;
  /** The spec as given (JSON form); validation errors are part of what is compared. */
  readonly spec: unknown;
  readonly input: readonly NamedHostTensor[];
  readonly source: 'conformance' | 'file' | 'captured';
  readonly requires?: readonly BackendCapability[];
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

/**
 * Reads an outside case file `{ "cases": [ { "id", "spec", "input": [ { "name", "shape", "values" } ] } ] }`.
 * Every problem is a `ClipError` naming the case (by index and id) and the field. Specs are checked
 * when they run, so that an invalid spec can itself be a case (every backend must reject it alike).
 */
export function parseCaseFile(data: unknown, file = 'cases file'): ParityCase[] {
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new ClipError('INVALID_SPEC', `${file}: ${field}: got ${describe(value)}, expected ${expected}`, {
      field,
      value,
      expected,
    });
  };
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { cases?: unknown }).cases)) {
    fail('cases', (data as { cases?: unknown } | null)?.cases, 'an object { "cases": [ … ] }');
  }
  const cases = (data as { cases: unknown[] }).cases;
  const ids = new Set<string>();
  return cases.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null)
      return fail(`cases[${i}]`, entry, 'an object { "id", "spec", "input" }');
    const { id, spec, input } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0) return fail(`cases[${i}].id`, id, 'a non-empty string');
    const where = `cases[${i}] ("${id}")`;
    if (ids.has(id)) fail(`${where}.id`, id, 'ids that are unique within the file');
    ids.add(id);
    if (typeof spec !== 'object' || spec === null)
      fail(`${where}.spec`, spec, 'a spec object such as { "kind": "globalNorm", "maxNorm": 1 }');
    if (!Array.isArray(input))
      return fail(`${where}.input`, input, 'an array of { "name", "shape", "values" }');
    const names = new Set<string>();
    const tensors = input.map((gradient, k) => {
      try {
        const tensor = gradientFromJson(gradient, `input[${k}]`);
        if (names.has(tensor.name))
          fail(`${where}.input[${k}].name`, tensor.name, 'names that are unique within the case');
        names.add(tensor.name);
        return tensor;
      } catch (error) {
        if (error instanceof ClipError && error.code === 'INVALID_GRADIENTS') {
          throw new ClipError('INVALID_GRADIENTS', `${file}: ${where}.${error.message}`, {
            field: `${where}.${error.field ?? `input[${k}]`}`,
            value: error.value,
            ...(error.expected === undefined ? {} : { expected: error.expected }),
          });
        }
        throw error;
      }
    });
    return { id, spec, input: tensors, source: 'file' as const };
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
