import type { BackendManifest, ClipBackend } from '../backend.js';
import { ClipError, describeValue } from '../errors.js';
import { elementCount } from '../slice-layout.js';
import type { HostTensor } from './host-tensor.js';
import { clampValues, scaleValues, summarizeValues, zeroNonFiniteValues } from './reference-kernels.js';

export const REFERENCE_MANIFEST: BackendManifest = {
  maxUlp: 0,
  capabilities: ['axes', 'generalP', 'largeTensors'],
  expectedFailures: [],
  notes: [
    'The oracle: power sums for p = 1, 2 are exact (an error-free expansion, rounded once); other orders use the host definition (Neumaier-compensated float64). Plain TypeScript, single-threaded.',
  ],
};

/**
 * The float64 reference backend (the oracle) over host `Float32Array`s. It runs anywhere
 * JavaScript runs and defines the expected bits of every other backend. Its kernels are
 * synchronous, so it serves `clipSync` as well as `clip`.
 */
export function createReferenceBackend(): ClipBackend<HostTensor> {
  return {
    id: 'reference',
    name: 'gradclip reference (float64 oracle)',
    version: '0.0.0',
    manifest: REFERENCE_MANIFEST,
    shapeOf: checkHostTensor,
    nameOf: (tensor) => tensor.name,
    fromHost: (values, shape) => ({ shape: [...shape], values: values.slice() }),
    toHost: (tensor) => tensor.values.slice(),
    summarize: (tensors, request) => tensors.map((tensor, i) => summarizeValues(tensor.values, request, i)),
    scale: (tensors, requests) =>
      tensors.map((tensor, i) => {
        const request = requests[i];
        if (request === undefined) throw new Error(`scale: no request for tensor ${i}`);
        return { shape: [...tensor.shape], values: scaleValues(tensor.values, request) };
      }),
    clamp: (tensors, bounds) =>
      tensors.map((tensor) => ({ shape: [...tensor.shape], values: clampValues(tensor.values, bounds) })),
    zeroNonFinite: (tensors) =>
      tensors.map((tensor) => ({ shape: [...tensor.shape], values: zeroNonFiniteValues(tensor.values) })),
    release: () => {},
    dispose: () => {},
  };
}

/** Validates a host tensor and returns its shape; errors name `field`. */
export function checkHostTensor(tensor: HostTensor, field: string): readonly number[] {
  if (typeof tensor !== 'object' || tensor === null) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}: got ${describeValue(tensor)}, expected { shape, values: Float32Array }`,
      {
        field,
        value: tensor,
        expected: '{ shape: number[], values: Float32Array }',
      },
    );
  }
  const { shape, values } = tensor;
  if (!(values instanceof Float32Array)) {
    const got =
      values === undefined || values === null
        ? String(values)
        : ((values as object).constructor?.name ?? typeof values);
    throw new ClipError('INVALID_GRADIENTS', `${field}.values: got ${got}, expected a Float32Array`, {
      field: `${field}.values`,
      value: got,
      expected: 'a Float32Array',
    });
  }
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}.shape: got ${describeValue(shape)}, expected an array of integers ≥ 0`,
      {
        field: `${field}.shape`,
        value: shape,
        expected: 'an array of integers ≥ 0',
      },
    );
  }
  const size = elementCount(shape);
  if (size !== values.length) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}: shape [${shape.join(', ')}] holds ${size} values, but values has ${values.length}; expected them to agree`,
      { field: `${field}.shape`, value: shape, expected: `a shape of ${values.length} elements` },
    );
  }
  return shape;
}
