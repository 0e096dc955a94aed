/** The ONNX graphs on onnxruntime-web's wasm execution provider, injected into the backend. */
import { createOnnxBackend, type OrtModule } from '@gradclip/backend-onnx';
import * as ort from 'onnxruntime-web';
import type { TargetFactory } from './expose-targets.js';

/** Where the page finds onnxruntime-web's .wasm and .mjs files (served next to the bundle). */
const WASM_DIRECTORY = '/assets/ort/';

async function onWasm(): Promise<Awaited<ReturnType<TargetFactory>>> {
  ort.env.wasm.wasmPaths = new URL(WASM_DIRECTORY, location.href).href;
  // Threads need SharedArrayBuffer, which only a cross-origin-isolated page has.
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? 2 : 1;
  return (await createOnnxBackend({
    ort: ort as unknown as OrtModule,
    sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled', logSeverityLevel: 3 },
  })) as unknown as Awaited<ReturnType<TargetFactory>>;
}

export const onnxTargets: Readonly<Record<string, TargetFactory>> = {
  'onnx:wasm': onWasm,
};
