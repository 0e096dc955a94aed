export type { HostTensor } from './host-tensor.js';
export { checkHostTensor, createReferenceBackend, REFERENCE_MANIFEST } from './reference-backend.js';
export { clampValues, scaleValues, summarizeValues, zeroNonFiniteValues } from './reference-kernels.js';
