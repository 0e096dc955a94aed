import { ClipError } from '@gradclip/core';
import type { Tensor, TfjsModule } from './tfjs-module.js';

/**
 * Validates a gradient and returns its shape; errors name `field`. TF.js has no float64, and
 * clipping an int32 or bool tensor is a caller bug, so only live float32 tensors are accepted.
 */
export function checkTensor(tf: TfjsModule, tensor: Tensor, field: string): readonly number[] {
  if (!(tensor instanceof tf.Tensor)) {
    const value: unknown = tensor;
    const got = typeof value === 'object' && value !== null ? value.constructor?.name : typeof value;
    throw new ClipError('INVALID_GRADIENTS', `${field}: got ${got}, expected a tf.Tensor`, {
      field,
      value: got,
      expected: 'a tf.Tensor',
    });
  }
  if (tensor.isDisposed) {
    throw new ClipError('INVALID_GRADIENTS', `${field}: got a disposed tf.Tensor, expected a live one`, {
      field,
      value: 'disposed',
      expected: 'a tensor that has not been disposed',
    });
  }
  if (tensor.dtype !== 'float32') {
    throw new ClipError('INVALID_GRADIENTS', `${field}.dtype: got "${tensor.dtype}", expected "float32"`, {
      field: `${field}.dtype`,
      value: tensor.dtype,
      expected: 'float32',
    });
  }
  return tensor.shape;
}
