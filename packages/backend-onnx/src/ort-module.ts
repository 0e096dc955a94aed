import type * as OrtNode from 'onnxruntime-node';

/**
 * What the backend uses of an onnxruntime module. onnxruntime-node and onnxruntime-web share this
 * API (both re-export onnxruntime-common), so either can be injected.
 */
export interface OrtModule {
  readonly InferenceSession: typeof OrtNode.InferenceSession;
  readonly Tensor: typeof OrtNode.Tensor;
  readonly env?: {
    readonly versions?: { readonly common?: string; readonly node?: string; readonly web?: string };
  };
}

export type OrtTensor = OrtNode.Tensor;
export type OrtSession = OrtNode.InferenceSession;
export type OrtSessionOptions = OrtNode.InferenceSession.SessionOptions;

/** The default engine: onnxruntime-node, imported when a backend is created (never on import). */
export async function loadOnnxruntimeNode(): Promise<OrtModule> {
  const module = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
  // The CommonJS build may arrive as a default export, depending on the loader.
  return module.InferenceSession === undefined && module.default !== undefined ? module.default : module;
}
