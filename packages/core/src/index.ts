/**
 * @gradclip/core: the clipping contract as a user meets it — clip, clipSync and clippers, specs
 * and their validation, the report, the two-phase (sharded) API, option adapters, gradient JSON,
 * errors and the backend type a user holds. What a backend author needs (kernel requests and
 * summaries, slice layouts, error bounds, float32 helpers) is in `@gradclip/core/backend`; the
 * float64 oracle in `@gradclip/core/reference`; the conformance kit in `@gradclip/core/conformance`.
 */
export type { AnyClipBackend, ClipBackend } from './backend.js';
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
export { parseSpec, parseSpecJson } from './parse-spec.js';
export {
  combinePartialNorms,
  normOfPartial,
  type PartialNorm,
  parsePartialNorm,
  partialNormToJson,
} from './partial-norm.js';
export { fromPytorchOptions, type PytorchClipOptions } from './pytorch-options.js';
export type { HostTensor } from './reference/host-tensor.js';
export type { ClipReport, ClipResult } from './report.js';
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
export { specToJson } from './spec-to-json.js';
export type { TelemetryOptions } from './telemetry.js';
export { clipWithNorm, type PartialNormOptions, partialNorm } from './two-phase.js';
