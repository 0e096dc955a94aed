/**
 * @gradclip/backend-onnx: gradient clipping as ONNX graphs run by onnxruntime-node, bit-identical
 * to the float64 oracle, and the whole clip graph of a spec exported as `.onnx` bytes.
 */

export { nextStateOutputName, parameterInputName, stateInputName } from './clip-graph-context.js';
export {
  type ClipGraphOutputs,
  type ClipGraphStateFeed,
  clipGraphNextState,
  clipGraphStateFeeds,
} from './clip-graph-state.js';
export { MAX_EXPORTED_Z_CLIP_WARMUP } from './clip-graph-stateful-kinds.js';
export {
  CLIP_GRAPH_REPORT_OUTPUTS,
  type ClipGraphInput,
  type ClipGraphSignature,
  clippedOutputName,
  exportClipGraph,
} from './export-clip-graph.js';
export type { Dimension } from './graph-builder.js';
export { createOnnxBackend, type OnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
export type { OrtModule, OrtSessionOptions, OrtTensor } from './ort-module.js';
