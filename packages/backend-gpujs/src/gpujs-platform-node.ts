/**
 * What only Node has, for gpu.js: Dawn (the npm package `webgpu`) behind the webgpu mode,
 * headless-gl's X display, and the installed gpu.js version read with `createRequire`. Reached
 * through the package's `#gpujs-platform` import, which a browser bundle resolves to
 * `gpujs-platform-browser.ts` instead, so none of this is ever bundled into a page.
 */
import { createRequire } from 'node:module';
import type { GpujsMode } from './gpujs-mode.js';
import { type WebgpuSetupOptions, withWebgpuNavigator } from './webgpu-navigator.js';

const require = createRequire(import.meta.url);

export const GPUJS_VERSION = (require('gpu.js/package.json') as { version: string }).version;

/** The platform this entry serves. */
export const PLATFORM = 'node';

/** The modes gpu.js runs on this platform. */
export const PLATFORM_MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'webgpu', 'headlessgl'];

/** Runs `start` inside the mode's set-up (webgpu: with Dawn's `navigator.gpu` installed). */
export function withModeSetup<T>(
  mode: GpujsMode,
  webgpu: WebgpuSetupOptions,
  start: () => Promise<T>,
): Promise<T> {
  return mode === 'webgpu' ? withWebgpuNavigator(webgpu, start) : start();
}

/** Why a mode could not start, with what to install or set. */
export function reasonOf(mode: GpujsMode, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (mode === 'headlessgl') {
    const display = process.env.DISPLAY;
    return `${message} (headless-gl needs an X display: DISPLAY is ${display === undefined ? 'not set' : `"${display}"`}; run under xvfb-run -a, and install the npm package gl)`;
  }
  if (mode === 'webgpu') {
    return `${message} (Dawn's OpenGL ES backend needs libEGL (libegl1, libegl-dev, libegl-mesa0, libgl1-mesa-dri))`;
  }
  if (mode === 'webgl' || mode === 'webgl2') {
    return `${message} (mode "${mode}" runs in a browser page; under Node use "headlessgl")`;
  }
  return message;
}
