/**
 * Gradients in JSON (case files, dumps): `{ "name", "shape", "values" }`, each value a number or one
 * of "NaN", "Infinity", "-Infinity", "-0". Every float32 survives the round trip exactly: a float32
 * is a float64, and JSON.stringify writes the shortest decimal that reads back as the same float64.
 */
import { ClipError, describeValue, invalid } from './errors.js';
import type { HostTensor } from './reference/host-tensor.js';
import { elementCount } from './slice-layout.js';

export type JsonFloat = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export interface GradientJson {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: readonly JsonFloat[];
}

export interface NamedHostTensor extends HostTensor {
  readonly name: string;
}

export function float32ToJson(value: number): JsonFloat {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return value;
}

export function gradientToJson(tensor: NamedHostTensor): GradientJson {
  return { name: tensor.name, shape: [...tensor.shape], values: Array.from(tensor.values, float32ToJson) };
}

/**
 * Reads one JSON value as a float32; `field` names it in errors. A decimal such as 0.9 is read as
 * the nearest float32, as a float32 tensor would store it; a finite number beyond the float32
 * range is an error rather than a silent Infinity.
 */
export function float32FromJson(value: unknown, field: string): number {
  if (typeof value === 'number') {
    const rounded = Math.fround(value);
    if (!Number.isFinite(rounded) && Number.isFinite(value)) {
      throw invalid(
        'INVALID_GRADIENTS',
        field,
        value,
        'a value within the float32 range (±3.4028234663852886e38)',
      );
    }
    return rounded;
  }
  switch (value) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case '-0':
      return -0;
    default:
      throw invalid(
        'INVALID_GRADIENTS',
        field,
        value,
        'a number or one of "NaN", "Infinity", "-Infinity", "-0"',
      );
  }
}

export function gradientFromJson(input: unknown, field = 'gradient'): NamedHostTensor {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('INVALID_GRADIENTS', field, input, 'an object { "name", "shape", "values" }');
  }
  const { name, shape, values } = input as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0) {
    throw invalid('INVALID_GRADIENTS', `${field}.name`, name, 'a non-empty string');
  }
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
    throw invalid('INVALID_GRADIENTS', `${field}.shape`, shape, 'an array of integers ≥ 0');
  }
  if (!Array.isArray(values)) {
    throw invalid('INVALID_GRADIENTS', `${field}.values`, values, 'an array of numbers');
  }
  const size = elementCount(shape as number[]);
  if (size !== values.length) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}: shape ${describeValue(shape)} holds ${size} values, but values has ${values.length}; expected them to agree`,
      { field: `${field}.values`, value: values.length, expected: `${size} values` },
    );
  }
  const data = new Float32Array(values.length);
  values.forEach((value, i) => {
    data[i] = float32FromJson(value, `${field}.values[${i}]`);
  });
  return { name, shape: [...(shape as number[])], values: data };
}
