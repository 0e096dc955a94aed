/** TF.js in the page: cpu, wasm (SIMD, threaded where the page is cross-origin isolated) and webgl. */
import { createTfjsBackend } from '@gradclip/backend-tfjs';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { TargetFactory } from './expose-targets.js';

/** Where the page finds tfjs-backend-wasm's .wasm files (served next to the bundle). */
const WASM_DIRECTORY = '/assets/tfjs-wasm/';

async function on(name: 'cpu' | 'wasm' | 'webgl'): Promise<Awaited<ReturnType<TargetFactory>>> {
  if (name === 'wasm') setWasmPaths(new URL(WASM_DIRECTORY, location.href).href);
  if (!(await tf.setBackend(name))) throw new Error(`TF.js could not start its "${name}" backend`);
  return (await createTfjsBackend({ tf })) as unknown as Awaited<ReturnType<TargetFactory>>;
}

export const tfjsTargets: Readonly<Record<string, TargetFactory>> = {
  'tfjs:cpu': () => on('cpu'),
  'tfjs:wasm': () => on('wasm'),
  'tfjs:webgl': () => on('webgl'),
};
