/**
 * The WebAssembly SIMD backend in the page: Web Workers over the shared memory when the page is
 * cross-origin isolated, one thread otherwise (it asks for two either way).
 */
import { createWasmBackend } from '@gradclip/backend-wasm';
import type { TargetFactory } from './expose-targets.js';

export const wasmTargets: Readonly<Record<string, TargetFactory>> = {
  wasm: async () =>
    (await createWasmBackend({ threads: 2 })) as unknown as Awaited<ReturnType<TargetFactory>>,
};
