/** Every backend and mode the browser runner loads in Chromium, and the page that holds it. */
export type PageName = 'tfjs' | 'gpujs' | 'onnx' | 'wasm';

export interface BrowserTarget {
  /** The parity row's id, e.g. `tfjs:webgl@chromium`. */
  readonly id: string;
  readonly page: PageName;
  /** The label the page registers the backend under (its id in Node). */
  readonly label: string;
  /** Served with COOP/COEP, so the page is cross-origin isolated (SharedArrayBuffer). */
  readonly isolated: boolean;
  /** What runs, in words, for the parity matrix. */
  readonly mode: string;
  /**
   * Also run the kit's three 2^24-element cases (about 9 s each in a page, mostly the kit's own
   * input generation and checks): once per engine, on the mode whose limits they test.
   */
  readonly largeCases: boolean;
}

interface TargetOptions {
  readonly isolated?: boolean;
  readonly largeCases?: boolean;
}

function target(page: PageName, label: string, mode: string, options: TargetOptions = {}): BrowserTarget {
  const isolated = options.isolated ?? false;
  return {
    id: `${label}${isolated ? '+coi' : ''}@chromium`,
    page,
    label,
    isolated,
    mode,
    largeCases: options.largeCases ?? false,
  };
}

export const BROWSER_TARGETS: readonly BrowserTarget[] = [
  target('tfjs', 'tfjs:cpu', 'TF.js cpu in headless Chromium'),
  target('tfjs', 'tfjs:wasm', 'TF.js wasm (SIMD) in headless Chromium'),
  // Its manifest leaves largeTensors out (float32 texel coordinates): the large cases are skipped.
  target('tfjs', 'tfjs:webgl', 'TF.js webgl in headless Chromium (SwiftShader, no GPU)', {
    largeCases: true,
  }),
  target('gpujs', 'gpujs:cpu', 'gpu.js cpu in headless Chromium'),
  target('gpujs', 'gpujs:webgl', 'gpu.js webgl in headless Chromium (SwiftShader, no GPU)'),
  target('gpujs', 'gpujs:webgl2', 'gpu.js webgl2 in headless Chromium (SwiftShader, no GPU)'),
  target('onnx', 'onnx:wasm', 'ONNX graphs on onnxruntime-web, wasm execution provider, 1 thread'),
  target('onnx', 'onnx:wasm', 'ONNX graphs on onnxruntime-web, wasm execution provider, 2 threads', {
    isolated: true,
  }),
  target('wasm', 'wasm', 'WebAssembly SIMD, 1 thread (page not cross-origin isolated)'),
  target('wasm', 'wasm', 'WebAssembly SIMD, 2 threads: Web Workers over shared memory (COOP/COEP)', {
    isolated: true,
    largeCases: true,
  }),
];

/** The page entry module (TypeScript source) of each page, bundled by esbuild for the browser. */
export function pageEntry(page: PageName): string {
  return new URL(`../src/pages/${page}-page.ts`, import.meta.url).pathname;
}
