/**
 * The browser side of `#gpujs-platform`: gpu.js's own browser build (the `browser` field of
 * gpu.js resolves to `dist/gpu-browser.js`), the page's WebGL / WebGL2 contexts and
 * `navigator.gpu` where the browser has one. Nothing Node-only is imported.
 */
import gpujsPackage from 'gpu.js/package.json' with { type: 'json' };
import type { GpujsMode } from './gpujs-mode.js';
import type { WebgpuSetupOptions } from './webgpu-navigator.js';

export const GPUJS_VERSION: string = gpujsPackage.version;

export const PLATFORM = 'browser';

/** The modes gpu.js runs in a page (webgpu only where `navigator.gpu` exists). */
export const PLATFORM_MODES: readonly GpujsMode[] = ['cpu', 'webgl', 'webgl2', 'webgpu'];

export function withModeSetup<T>(
  mode: GpujsMode,
  _webgpu: WebgpuSetupOptions,
  start: () => Promise<T>,
): Promise<T> {
  if (mode === 'headlessgl' || mode === 'webasm') {
    return Promise.reject(new Error(`mode "${mode}" is Node-only; in a page use "cpu", "webgl" or "webgl2"`));
  }
  if (mode === 'webgpu' && (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu === undefined) {
    return Promise.reject(new Error('this browser has no navigator.gpu (WebGPU)'));
  }
  return start();
}

export function reasonOf(mode: GpujsMode, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (mode === 'webgl' || mode === 'webgl2') {
    return `${message} (the page could not get a ${mode === 'webgl' ? 'WebGL' : 'WebGL2'} context with float textures)`;
  }
  return message;
}
