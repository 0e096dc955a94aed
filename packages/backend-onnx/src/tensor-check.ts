import { ClipError } from '@gradclip/core';
import { elementCount } from '@gradclip/core/backend';
import type { OrtModule, OrtTensor } from './ort-module.js';

/** The shape of a float32 CPU `ort.Tensor`; anything else is a `ClipError` naming `field`. */
export function checkOrtTensor(ort: OrtModule, input: OrtTensor, field: string): readonly number[] {
  if (!(input instanceof ort.Tensor)) {
    const got =
      typeof input === 'object' && input !== null ? (input.constructor?.name ?? 'object') : typeof input;
    throw new ClipError('INVALID_GRADIENTS', `${field}: got ${got}, expected an ort.Tensor`, {
      field,
      value: got,
      expected: 'an ort.Tensor of the injected onnxruntime module',
    });
  }
  if (input.type !== 'float32') {
    throw new ClipError('INVALID_GRADIENTS', `${field}.type: got "${input.type}", expected "float32"`, {
      field: `${field}.type`,
      value: input.type,
      expected: 'float32',
    });
  }
  if (input.location !== 'cpu') {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}.location: got "${input.location}", expected "cpu" (call getData() to download it first)`,
      { field: `${field}.location`, value: input.location, expected: 'cpu' },
    );
  }
  const size = elementCount(input.dims);
  if (!(input.data instanceof Float32Array) || input.data.length !== size) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}: dims [${input.dims.join(', ')}] hold ${size} values, but data has ${(input.data as { length?: number }).length}; expected them to agree`,
      { field: `${field}.dims`, value: input.dims, expected: `a Float32Array of ${size} values` },
    );
  }
  return input.dims;
}
