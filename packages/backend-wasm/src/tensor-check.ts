/**
 * Checks of what callers hand the wasm backend: tensor shapes, and a short description of a
 * rejected tensor for error details.
 */
import { ClipError } from '@gradclip/core';
import { elementCount } from '@gradclip/core/backend';

/** A short description for error details (never the values: they can be megabytes). */
export function describeTensor(tensor: unknown): string {
  if (typeof tensor !== 'object' || tensor === null) return String(tensor);
  const shape = (tensor as { shape?: unknown }).shape;
  return `${tensor.constructor?.name ?? 'object'} of shape ${JSON.stringify(shape)}`;
}

export function checkShape(shape: readonly number[], field: string): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}: got ${JSON.stringify(shape)}, expected integers ≥ 0`,
      {
        field,
        value: shape,
        expected: 'an array of integers ≥ 0',
      },
    );
  }
  const size = elementCount(shape);
  if (size > 2 ** 28) {
    throw new ClipError('INVALID_GRADIENTS', `${field}: ${size} elements; expected at most 2^28 per tensor`, {
      field,
      value: size,
      expected: 'at most 2^28 elements (a wasm32 memory holds 4 GiB)',
    });
  }
  return shape;
}
