/**
 * @gradclip/core: the clipping contract. Specs and their validation, the composition of every
 * strategy from backend kernels, the report, the two-phase (sharded) API, option adapters and the
 * backend interface. The float64 oracle lives in `@gradclip/core/reference`, the conformance kit
 * in `@gradclip/core/conformance`.
 */
export type {
  AnyClipBackend,
  BackendCapability,
  BackendManifest,
  ClampBounds,
  ClipBackend,
  ClipKernels,
  ConformanceFailureKind,
  ExpectedFailure,
  ScaleOrder,
  ScaleRequest,
  SummaryRequest,
  TensorSummary,
} from './backend.js';
export {
  decideScale,
  FLOAT64_MIN_NORMAL,
  normFromPowerSum,
  PYTORCH_EPSILON,
  type ScaleDecision,
} from './clip-math.js';
export {
  type ClipCallOptions,
  type Clipper,
  type ClipperOptions,
  clip,
  clipperFromJSON,
  clipSync,
  createClipper,
} from './clipper.js';
export type {
  AdaGcState,
  AutoClipState,
  ChainState,
  ClipperJson,
  GroupsState,
  StrategyState,
  ZClipState,
} from './clipper-state.js';
export { ClipError, type ClipErrorCode, type ClipErrorDetails } from './errors.js';
export { type BackendCandidate, firstAvailable } from './first-available.js';
export {
  FLOAT32_MAX,
  firstFloat32Difference,
  float32Bits,
  float32FromBits,
  maxUlpDistance,
  sameFloat32,
  sameFloat32Array,
  ulpDistance,
} from './float32.js';
export type { ClippedGradients, Gradients } from './gradient-container.js';
export {
  float32FromJson,
  float32ToJson,
  type GradientJson,
  gradientFromJson,
  gradientToJson,
  type JsonFloat,
  type NamedHostTensor,
} from './gradient-json.js';
export { type AdapterOptions, fromKerasOptions, type KerasClipOptions } from './keras-options.js';
export type { MaybePromise } from './kernel-steps.js';
export { float64SumErrorBound } from './math/sum-bounds.js';
export { parseSpec, parseSpecJson, specToJson } from './parse-spec.js';
export {
  combinePartialNorms,
  normOfPartial,
  type PartialNorm,
  parsePartialNorm,
  partialNormToJson,
} from './partial-norm.js';
export { fromPytorchOptions, type PytorchClipOptions } from './pytorch-options.js';
export { createRandom, type Random } from './random.js';
export type { HostTensor } from './reference/host-tensor.js';
export type { ClipReport, ClipResult } from './report.js';
export {
  elementCount,
  multiIndex,
  normalizeAxes,
  type SliceLayout,
  sliceIndexOfElements,
  sliceLayout,
  wholeTensorLayout,
} from './slice-layout.js';
export type {
  AdaGcSpec,
  AgcSpec,
  AutoClipSpec,
  BlockRmsSpec,
  ChainSpec,
  ClipKind,
  ClipSpec,
  CompatMode,
  GlobalNormSpec,
  LossScaledSpec,
  NonFinitePolicy,
  NormGroup,
  NormGroupsSpec,
  NormOrder,
  NormSpec,
  ResolvedAdaGcSpec,
  ResolvedAgcSpec,
  ResolvedAutoClipSpec,
  ResolvedBlockRmsSpec,
  ResolvedChainSpec,
  ResolvedGlobalNormSpec,
  ResolvedLossScaledSpec,
  ResolvedNormGroup,
  ResolvedNormGroupsSpec,
  ResolvedNormSpec,
  ResolvedSkipOnSpikeSpec,
  ResolvedSpec,
  ResolvedValueSpec,
  ResolvedZClipSpec,
  SkipOnSpikeSpec,
  SpecOptions,
  StatefulKind,
  Threshold,
  ValueSpec,
  ZClipMode,
  ZClipOption,
  ZClipSpec,
} from './spec.js';
export { clipWithNorm, type PartialNormOptions, partialNorm } from './two-phase.js';
