/**
 * `@gradclip/core/backend`: what a backend author needs beyond the user's entry — the kernel
 * requests and summaries a backend receives and returns, its manifest, slice layouts, the float64
 * error bound a summary states, the scale decision core makes from a norm, float32 bit helpers and
 * a seeded random source for tests. Users who only clip need `@gradclip/core`.
 */
export type {
  BackendCapability,
  BackendManifest,
  ClampBounds,
  ClipKernels,
  ConformanceFailureKind,
  ExpectedFailure,
  ScaleOrder,
  ScaleRequest,
  SummaryRequest,
  TensorSummary,
} from '../backend.js';
export {
  decideScale,
  FLOAT64_MIN_NORMAL,
  normFromPowerSum,
  PYTORCH_EPSILON,
  type ScaleDecision,
} from '../clip-math.js';
export {
  FLOAT32_MAX,
  firstFloat32Difference,
  float32Bits,
  float32FromBits,
  maxUlpDistance,
  sameFloat32,
  sameFloat32Array,
  ulpDistance,
} from '../float32.js';
export type { MaybePromise } from '../kernel-steps.js';
export { CompensatedSums } from '../math/compensated-sums.js';
export { float64SumErrorBound } from '../math/sum-bounds.js';
export { createRandom, type Random } from '../random.js';
export {
  elementCount,
  multiIndex,
  normalizeAxes,
  type SliceLayout,
  sliceIndexOfElements,
  sliceLayout,
  wholeTensorLayout,
} from '../slice-layout.js';
export { unitAxes } from '../strategies/agc.js';
export { assignGroups } from '../strategies/norm-groups.js';
