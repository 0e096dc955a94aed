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
 * onnxruntime-web refuses a second `session.run` while one is in flight ("Session already
 * started"), where onnxruntime-node runs them concurrently. For the web module, each session's
 * runs are queued; any other module is returned unchanged.
 */
export function withSerialRuns(ort: OrtModule): OrtModule {
  if (ort.env?.versions?.web === undefined) return ort;
  const original = ort.InferenceSession;
  const create = async (...args: unknown[]): Promise<OrtSession> => {
    const session = await (original.create as (...a: unknown[]) => Promise<OrtSession>)(...args);
    const run = session.run.bind(session) as (...a: unknown[]) => Promise<unknown>;
    let queue: Promise<unknown> = Promise.resolve();
    (session as { run: unknown }).run = (...a: unknown[]) => {
      const next = queue.then(() => run(...a));
      queue = next.catch(() => undefined);
      return next;
    };
    return session;
  };
  const InferenceSession = Object.assign(Object.create(original) as object, { create });
  return { ...ort, InferenceSession: InferenceSession as OrtModule['InferenceSession'] };
}
