import { ClipError, type HostTensor } from '@gradclip/core';
import { elementCount } from '@gradclip/core/backend';
import { checkHostTensor } from '@gradclip/core/reference';
import type { GpujsMode } from './gpujs-mode.js';

/**
 * A gpu.js pipeline output that lives on the device: a GL `Texture` (`headlessgl`, type
 * `"ArrayTexture(1)"`, from a kernel with `pipeline: true` and `precision: 'single'`) or a
 * `WebGPUBufferResult` (`webgpu`, type `"WebGPUBuffer"`). Only the members this package uses.
 */
export interface GpujsDeviceData {
  readonly type: string;
  /** gpu.js output size, x first (`[x]`, `[x, y]` or `[x, y, z]`). */
  readonly output: readonly number[];
  toArray(): unknown;
  delete(): void;
}

/** Float32 data on the device with a row-major shape; `device` is a gpu.js pipeline output. */
export interface GpujsDeviceTensor {
  readonly shape: readonly number[];
  readonly device: GpujsDeviceData;
  readonly name?: string;
}

/** What the backend accepts and returns: host float32 data, or a pipeline output on the device. */
export type GpujsTensor = HostTensor | GpujsDeviceTensor;

/** The data a kernel takes as its `values` argument. */
export type TensorData = Float32Array | GpujsDeviceData;

/**
 * Device tensors are read with float32 indices inside the kernels (chunk starts, thread ids), which
 * are exact up to 2^24; host tensors are cut into batches instead, so they have no such limit.
 */
export const DEVICE_ELEMENT_LIMIT = 2 ** 24;

/** The pipeline output type each mode produces; cpu and webasm pipeline outputs are Float32Arrays. */
export const DEVICE_TYPE_OF_MODE: Readonly<Record<GpujsMode, string | undefined>> = {
  cpu: undefined,
  webasm: undefined,
  webgpu: 'WebGPUBuffer',
  headlessgl: 'ArrayTexture(1)',
  webgl: undefined,
  webgl2: undefined,
};

export function isDeviceTensor(tensor: GpujsTensor): tensor is GpujsDeviceTensor {
  return (tensor as Partial<GpujsDeviceTensor>).device !== undefined;
}

export function isDeviceData(data: TensorData): data is GpujsDeviceData {
  return !(data instanceof Float32Array);
}

export interface DeviceCheck {
  readonly id: string;
  readonly mode: GpujsMode;
  /** The GL context of the backend's `GPU` (headlessgl): textures of another context cannot be read. */
  readonly context: unknown;
}

/**
 * `shapeOf` for both kinds: host tensors as in the reference backend; device tensors must be a
 * live, single-channel pipeline output of this mode (and GL context) whose size matches the shape.
 */
export function checkTensor(check: DeviceCheck, tensor: GpujsTensor, field: string): readonly number[] {
  if (tensor === null || typeof tensor !== 'object' || !isDeviceTensor(tensor)) {
    return checkHostTensor(tensor as HostTensor, field);
  }
  const fail = (value: unknown, expected: string, what: string): never => {
    throw new ClipError('INVALID_GRADIENTS', `${check.id}: ${field} ${what}`, { field, value, expected });
  };
  const expectedType = DEVICE_TYPE_OF_MODE[check.mode];
  const { device, shape } = tensor;
  if (expectedType === undefined) {
    fail(
      device?.type,
      `{ shape, values: Float32Array } (in mode ${check.mode}, gpu.js pipeline outputs are Float32Arrays)`,
      `is a device tensor, which mode ${check.mode} does not have`,
    );
  }
  if (device === null || typeof device !== 'object' || device.type !== expectedType) {
    fail(
      (device as { type?: unknown } | null)?.type,
      `a gpu.js pipeline output of type "${expectedType}" (precision 'single', one value per element)`,
      'is not a single-channel pipeline output of this mode',
    );
  }
  if (((device as { componentCount?: number }).componentCount ?? 1) !== 1) {
    fail(
      (device as { componentCount?: number }).componentCount,
      'one value per element (a kernel returning a number, not Array(n))',
      'has several values per element',
    );
  }
  if ((device as { _deleted?: boolean })._deleted === true) {
    fail('deleted', 'a live pipeline output', 'was deleted');
  }
  if (check.mode === 'headlessgl' && (device as { context?: unknown }).context !== check.context) {
    fail('another GL context', 'a texture made by a kernel of backend.gpu', 'belongs to another GPU');
  }
  const checked = checkShape(shape, field);
  const count = elementCount(checked);
  const stored = elementCount(device.output);
  if (count !== stored) {
    fail(stored, `${count} elements, the size of shape [${checked.join(', ')}]`, 'holds another size');
  }
  if (count > DEVICE_ELEMENT_LIMIT) {
    fail(
      count,
      `at most ${DEVICE_ELEMENT_LIMIT} elements on the device (float32-exact indices)`,
      'is too large',
    );
  }
  return checked;
}

function checkShape(shape: unknown, field: string): readonly number[] {
  if (
    !Array.isArray(shape) ||
    !shape.every((size) => typeof size === 'number' && Number.isInteger(size) && size >= 0)
  ) {
    throw new ClipError('INVALID_GRADIENTS', `${field}.shape is not a list of sizes`, {
      field: `${field}.shape`,
      value: shape,
      expected: 'an array of non-negative integers',
    });
  }
  return shape as number[];
}
