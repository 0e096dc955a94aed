import type * as OrtNode from 'onnxruntime-node';
import { loadDefaultOrt } from '#ort-default';

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

/**
 * The default engine: onnxruntime-node under Node, imported when a backend is created (never on
 * import); in a browser bundle (`#ort-default` resolves by the `browser` condition) it fails,
 * naming onnxruntime-web to inject.
 */
export const loadOnnxruntimeNode: () => Promise<OrtModule> = loadDefaultOrt;

/**
 * One run at a time per onnxruntime-web module: its wasm engine holds a single "active run" for
 * all sessions ("Session already started" otherwise), where onnxruntime-node runs them concurrently.
 * Keyed by the module, so backends sharing one onnxruntime-web share its queue.
 */
const webRunQueues = new WeakMap<object, { tail: Promise<unknown> }>();

/** For onnxruntime-web, sessions whose runs are queued on the module; any other module unchanged. */
export function withSerialRuns(ort: OrtModule): OrtModule {
  if (ort.env?.versions?.web === undefined) return ort;
  const original = ort.InferenceSession;
  let queue = webRunQueues.get(original);
  if (queue === undefined) {
    queue = { tail: Promise.resolve() };
    webRunQueues.set(original, queue);
  }
  const shared = queue;
  const create = async (...args: unknown[]): Promise<OrtSession> => {
    const session = await (original.create as (...a: unknown[]) => Promise<OrtSession>)(...args);
    const run = session.run.bind(session) as (...a: unknown[]) => Promise<unknown>;
    (session as { run: unknown }).run = (...a: unknown[]) => {
      const next = shared.tail.then(() => run(...a));
      shared.tail = next.catch(() => undefined);
      return next;
    };
    return session;
  };
  const InferenceSession = Object.assign(Object.create(original) as object, { create });
  return { ...ort, InferenceSession: InferenceSession as OrtModule['InferenceSession'] };
}
