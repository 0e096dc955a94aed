/**
 * In a page there is no default engine: the page passes onnxruntime-web (or any module with its
 * API) as `createOnnxBackend({ ort })`, configured as the page needs (wasm paths, threads).
 */
import type { OrtModule } from './ort-module.js';

export function loadDefaultOrt(): Promise<OrtModule> {
  return Promise.reject(
    new Error(
      "no default engine in a browser: pass onnxruntime-web, e.g. createOnnxBackend({ ort }) after import * as ort from 'onnxruntime-web'",
    ),
  );
}
