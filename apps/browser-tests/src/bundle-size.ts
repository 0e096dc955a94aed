import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { SOURCE_CONDITIONS } from './page-bundle.js';

/** The engines a backend is used with: the page brings them, so they are not counted. */
export const ENGINE_PACKAGES: readonly string[] = [
  '@gradclip/core',
  '@tensorflow/*',
  'gpu.js',
  'onnxruntime-web',
  'onnxruntime-node',
];

export interface BundleSize {
  readonly minified: number;
  readonly gzip: number;
}

/**
 * A backend's browser bundle as an app gets it (`import * from '<package>'`, the `browser`
 * condition, minified), without core and the engine, which the app has anyway.
 */
export async function measureBundle(packageName: string, resolveDir: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: `export * from '${packageName}';`, resolveDir, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    conditions: [...SOURCE_CONDITIONS],
    external: [...ENGINE_PACKAGES],
    logLevel: 'error',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength };
}
