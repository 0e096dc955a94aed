/**
 * The backends the live pages run in the reader's browser. Each entry says how to start it and
 * whether this browser can; the pages show every entry, so the list grows as browser builds land
 * (WebAssembly with Web Workers, onnxruntime-web, gpu.js webgl): add an entry here.
 */
import type { AnyClipBackend } from '@gradclip/core';

export interface LiveBackend {
  readonly id: string;
  readonly label: string;
  /** Why it cannot run in this browser, or null. */
  readonly unavailable: () => string | null;
  readonly create: () => Promise<AnyClipBackend>;
}

export const LIVE_BACKENDS: readonly LiveBackend[] = [
  {
    id: 'reference',
    label: 'reference (float64 oracle)',
    unavailable: () => null,
    create: async () => {
      const { createReferenceBackend } = await import('@gradclip/core/reference');
      return createReferenceBackend();
    },
  },
  {
    id: 'tfjs:cpu',
    label: 'TF.js cpu',
    unavailable: () => null,
    create: async () => {
      const tf = await import('@tensorflow/tfjs');
      await tf.setBackend('cpu');
      const { createTfjsBackend } = await import('@gradclip/backend-tfjs');
      return await createTfjsBackend({ tf });
    },
  },
];
