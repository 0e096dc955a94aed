/**
 * The default engine under Node: onnxruntime-node, imported when a backend is created (never on
 * import). Reached through the package's `#ort-default` import; a browser bundle gets
 * `ort-default-browser.ts` instead, so onnxruntime-node is never bundled into a page.
 */
import type { OrtModule } from './ort-module.js';

export async function loadDefaultOrt(): Promise<OrtModule> {
  const module = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
  // The CommonJS build may arrive as a default export, depending on the loader.
  return module.InferenceSession === undefined && module.default !== undefined ? module.default : module;
}
