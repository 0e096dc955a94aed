/**
 * Parameters beside the gradients, for the kinds whose threshold depends on them (`agc`). They
 * come in the gradients' container: a list matched by position, or a name → tensor map matched by
 * name (extra names are allowed, so a model's whole variable map can be passed as it is). Each
 * parameter must have its gradient's shape.
 */
import type { ClipBackend } from './backend.js';
import { ClipError, describeValue } from './errors.js';
import type { Gradients } from './gradient-container.js';

const EXPECTED =
  "the parameters in the gradients' container: a list of the same length, or a map with every gradient's name";

export function matchParameters<T>(
  parameters: Gradients<T>,
  gradients: Gradients<T>,
  entries: readonly { readonly name: string; readonly shape: readonly number[] }[],
  backend: ClipBackend<T>,
): T[] {
  const list = Array.isArray(gradients);
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters) !== list) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `parameters: got ${describeValue(parameters)}, expected ${EXPECTED}`,
      {
        field: 'parameters',
        value: parameters,
        expected: EXPECTED,
      },
    );
  }
  if (list && (parameters as readonly T[]).length !== entries.length) {
    const count = (parameters as readonly T[]).length;
    throw new ClipError(
      'INVALID_GRADIENTS',
      `parameters: got ${count} tensors for ${entries.length} gradients, expected one per gradient`,
      {
        field: 'parameters',
        value: count,
        expected: `${entries.length} tensors`,
      },
    );
  }
  const keys = list ? [] : Object.keys(gradients);
  return entries.map((entry, i) => {
    const key = list ? i : (keys[i] as string);
    const field = list ? `parameters[${i}]` : `parameters[${JSON.stringify(key)}]`;
    const own = list || Object.hasOwn(parameters, key);
    const parameter = own ? (parameters as Record<string | number, T>)[key] : undefined;
    if (parameter === undefined || parameter === null) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `${field}: got ${describeValue(parameter)}, expected the parameter of gradient "${entry.name}"`,
        {
          field,
          value: parameter,
          expected: 'a tensor',
        },
      );
    }
    const shape = backend.shapeOf(parameter, field);
    if (shape.length !== entry.shape.length || shape.some((dim, axis) => dim !== entry.shape[axis])) {
      const expected = `the gradient's shape [${entry.shape.join(', ')}]`;
      throw new ClipError('SHAPE_MISMATCH', `${field}: shape [${shape.join(', ')}], expected ${expected}`, {
        field,
        value: [...shape],
        expected,
      });
    }
    return parameter;
  });
}
