import type { ClipBackend } from '@gradclip/core';
import { createReferenceBackend } from '@gradclip/core/reference';

/** A backend the playground can run, started lazily so that one that cannot start is reported, not fatal. */
export interface PlaygroundBackend {
  readonly id: string;
  readonly create: () => Promise<ClipBackend<unknown>>;
}

/**
 * Every backend the playground knows. The TF.js, ONNX Runtime and gpu.js backends join this list
 * as their packages land; each entry's factory is all the playground needs.
 */
export const playgroundBackends: readonly PlaygroundBackend[] = [
  { id: 'reference', create: async () => createReferenceBackend() as ClipBackend<unknown> },
];
