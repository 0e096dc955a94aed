/**
 * Reads a sequence case from JSON, so that a malformed case fails in one line naming the field
 * instead of part-way through a run. The one place the format's shape is checked: the playground's
 * `--cases` files and `checkSequenceCase` both come through here. Only the shape is checked; the
 * spec is not (an invalid spec may itself be a case) and the expectations are judged by
 * `checkSequenceCase`.
 */
import { type ClipError, invalid } from '../errors.js';
import { gradientFromJson } from '../gradient-json.js';
import type { SequenceCase } from './sequence-case-format.js';

const JSON_FLOATS: readonly unknown[] = ['NaN', 'Infinity', '-Infinity', '-0'];
const JSON_FLOAT = 'a number or one of "NaN", "Infinity", "-Infinity", "-0"';
const SHAPE = 'an array of integers ≥ 0';

/**
 * Checks `data` against the `SequenceCase` format and returns it as written. `field` is the path
 * the errors start from (e.g. `cases[3] ("zClip/mine")`). Throws `ClipError('INVALID_SPEC')` naming
 * the field, the value and what was expected, or `'INVALID_GRADIENTS'` for a malformed tensor.
 */
export function parseSequenceCase(data: unknown, field = 'case'): SequenceCase {
  if (!isObject(data)) throw spec(field, data, 'an object { "id", "description", "spec", "steps" }');
  const { id, description, spec: clipSpec, requires, steps, finalState, source } = data;
  if (typeof id !== 'string' || id.length === 0) throw spec(`${field}.id`, id, 'a non-empty string');
  if (description !== undefined && typeof description !== 'string')
    throw spec(`${field}.description`, description, 'a string');
  if (typeof clipSpec !== 'object' || clipSpec === null)
    throw spec(`${field}.spec`, clipSpec, 'a spec object such as { "kind": "zClip" }');
  if (requires !== undefined && !(Array.isArray(requires) && requires.every((r) => typeof r === 'string')))
    throw spec(`${field}.requires`, requires, 'an array of capability names');
  if (!Array.isArray(steps) || steps.length === 0)
    throw spec(`${field}.steps`, steps, 'a non-empty array of { "input", "parameters"?, "expect" }');
  for (const [s, step] of steps.entries()) checkStep(step, `${field}.steps[${s}]`);
  if (finalState !== undefined && (typeof finalState !== 'object' || Array.isArray(finalState)))
    throw spec(
      `${field}.finalState`,
      finalState,
      'an object (clipper.state after the last step), null or absent',
    );
  if (source !== undefined && typeof source !== 'string') throw spec(`${field}.source`, source, 'a string');
  return data as unknown as SequenceCase;
}

function checkStep(step: unknown, field: string): void {
  if (!isObject(step))
    throw spec(field, step, 'an object { "input", "parameters"?, "expect": { "outputs", "report" } }');
  const { input, parameters, expect } = step;
  const names = inputNames(input, `${field}.input`);
  if (parameters !== undefined) inputNames(parameters, `${field}.parameters`);
  if (!isObject(expect)) throw spec(`${field}.expect`, expect, 'an object { "outputs", "report" }');
  const { outputs, report } = expect;
  if (!Array.isArray(outputs) || outputs.length !== names.length)
    throw spec(
      `${field}.expect.outputs`,
      outputs,
      `an array of ${names.length} outputs, one per input, in order`,
    );
  outputs.forEach((output, k) => {
    const at = `${field}.expect.outputs[${k}]`;
    const name =
      isObject(output) && 'hash' in output ? hashedOutputName(output, at) : gradientFromJson(output, at).name;
    if (name !== names[k]) throw spec(`${at}.name`, name, `"${names[k]}", the name of input[${k}]`);
  });
  checkReport(report, `${field}.expect.report`);
}

/**
 * A list of case inputs — `{ name, shape, values }` read by `gradientFromJson`, or
 * `{ name, shape, generate }` — with names unique within the list; returns the names in order.
 */
function inputNames(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) throw spec(field, list, 'an array of { "name", "shape", "values" }');
  const names: string[] = [];
  list.forEach((input, k) => {
    const at = `${field}[${k}]`;
    const name =
      isObject(input) && 'generate' in input
        ? generatedInputName(input, at)
        : gradientFromJson(input, at).name;
    if (names.includes(name)) throw spec(`${at}.name`, name, 'names that are unique within the list');
    names.push(name);
  });
  return names;
}

/** An input generated from a seed (`GeneratedValues`), as the kit's large single cases are. */
function generatedInputName(input: Record<string, unknown>, field: string): string {
  const { name, shape, generate } = input;
  if (typeof name !== 'string' || name.length === 0)
    throw gradients(`${field}.name`, name, 'a non-empty string');
  if (!isShape(shape)) throw gradients(`${field}.shape`, shape, SHAPE);
  const at = `${field}.generate`;
  if (!isObject(generate) || (generate.kind !== 'normal' && generate.kind !== 'constant'))
    throw gradients(at, generate, '{ "kind": "normal", "seed", "scale" } or { "kind": "constant", "value" }');
  if (generate.kind === 'constant') {
    if (!Number.isFinite(generate.value)) throw gradients(`${at}.value`, generate.value, 'a finite number');
  } else {
    if (!Number.isSafeInteger(generate.seed)) throw gradients(`${at}.seed`, generate.seed, 'an integer');
    if (!Number.isFinite(generate.scale)) throw gradients(`${at}.scale`, generate.scale, 'a finite number');
  }
  return name;
}

/** An output written as `bitsHash` of its bits: name, shape and hash, no values. */
function hashedOutputName(output: Record<string, unknown>, field: string): string {
  const { name, shape, hash } = output;
  if (typeof name !== 'string' || name.length === 0) throw spec(`${field}.name`, name, 'a non-empty string');
  if (!isShape(shape)) throw spec(`${field}.shape`, shape, SHAPE);
  if (typeof hash !== 'string' || !/^[0-9a-f]{16}$/.test(hash))
    throw spec(`${field}.hash`, hash, 'bitsHash of the output: 16 lowercase hex digits');
  return name;
}

function checkReport(report: unknown, field: string): void {
  if (!isObject(report))
    throw spec(field, report, 'an object { "kind", "normBefore", "normAfter", "scale", "clipped", … }');
  if (typeof report.kind !== 'string')
    throw spec(`${field}.kind`, report.kind, 'a strategy kind such as "zClip"');
  for (const key of ['clipped', 'skipped']) {
    if (typeof report[key] !== 'boolean') throw spec(`${field}.${key}`, report[key], 'true or false');
  }
  const count = report.nonFiniteCount;
  if (!Number.isSafeInteger(count) || (count as number) < 0)
    throw spec(`${field}.nonFiniteCount`, count, 'an integer ≥ 0');
  for (const key of ['normBefore', 'normAfter']) {
    if (!isJsonFloat(report[key])) throw spec(`${field}.${key}`, report[key], JSON_FLOAT);
  }
  if (report.scale !== null && !isJsonFloat(report.scale))
    throw spec(`${field}.scale`, report.scale, `${JSON_FLOAT}, or null`);
  if (report.threshold !== undefined && !isJsonFloat(report.threshold))
    throw spec(`${field}.threshold`, report.threshold, `${JSON_FLOAT} (or absent)`);
  const perTensor = report.perTensorThresholds;
  if (perTensor !== undefined && !(Array.isArray(perTensor) && perTensor.every(isJsonFloat)))
    throw spec(`${field}.perTensorThresholds`, perTensor, `an array, each ${JSON_FLOAT} (or absent)`);
}

/** Report numbers are float64 (a norm may exceed the float32 range), so only the spelling is checked. */
function isJsonFloat(value: unknown): boolean {
  return typeof value === 'number' || JSON_FLOATS.includes(value);
}

function isShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((dim) => Number.isInteger(dim) && dim >= 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function spec(field: string, value: unknown, expected: string): ClipError {
  return invalid('INVALID_SPEC', field, value, expected);
}

function gradients(field: string, value: unknown, expected: string): ClipError {
  return invalid('INVALID_GRADIENTS', field, value, expected);
}
