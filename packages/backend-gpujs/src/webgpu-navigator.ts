/**
 * gpu.js finds WebGPU only through `navigator.gpu`, which Node does not have. The npm package
 * `webgpu` (Dawn) provides the API; on a machine without a Vulkan driver that Dawn accepts, its
 * OpenGL ES backend on Mesa works when three things hold at once: the Dawn flag
 * `backend=opengles`, `EGL_PLATFORM=surfaceless` while the adapter is created, and
 * `featureLevel: 'compatibility'` on `requestAdapter()` (gpu.js passes no options).
 *
 * The shim is scoped: gpu.js reads `navigator.gpu` when a `GPU` is constructed and when its
 * module-level device is first acquired; after that every kernel uses the cached device. So
 * `withWebgpuNavigator` installs `globalThis.navigator` (and `EGL_PLATFORM`) only for the duration of
 * `body` and restores both afterwards. An existing `navigator.gpu` (a browser, or a caller's own
 * set-up) is used as it is.
 *
 * The Dawn instance must outlive every device it created: gpu.js keeps one device per process, so
 * the instance is kept for the process too (the one piece of module state here; garbage-collecting
 * it while the device runs aborts the process).
 */
import { ClipError } from '@gradclip/core';

export interface WebgpuSetupOptions {
  /** Dawn toggles passed to `create()`. Default `['backend=opengles']`. */
  readonly dawnFlags?: readonly string[];
  /** Feature level asked of the adapter. Default `'compatibility'`. */
  readonly featureLevel?: 'core' | 'compatibility';
}

interface DawnInstance {
  requestAdapter(options?: Record<string, unknown>): Promise<unknown>;
  getPreferredCanvasFormat(): string;
}

interface DawnModule {
  create(flags: string[]): DawnInstance;
}

const dawnInstances = new Map<string, DawnInstance>();

export async function withWebgpuNavigator<R>(
  options: WebgpuSetupOptions,
  body: () => Promise<R>,
): Promise<R> {
  const existing = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (existing?.gpu !== undefined) return body();
  let dawn: DawnModule;
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (error) {
    throw new ClipError(
      'BACKEND_UNAVAILABLE',
      `gpujs:webgpu needs the npm package "webgpu" (0.6.2 on Debian bookworm): ${(error as Error).message}`,
      { field: 'mode', value: 'webgpu', expected: 'the package "webgpu" installed', cause: error },
    );
  }
  const flags = [...(options.dawnFlags ?? ['backend=opengles'])];
  const featureLevel = options.featureLevel ?? 'compatibility';
  const previousEglPlatform = process.env.EGL_PLATFORM;
  if (previousEglPlatform === undefined) process.env.EGL_PLATFORM = 'surfaceless';
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  const key = flags.join(',');
  const gpu = dawnInstances.get(key) ?? dawn.create(flags);
  dawnInstances.set(key, gpu);
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    writable: true,
    value: {
      gpu: {
        requestAdapter: (adapterOptions: Record<string, unknown> = {}) =>
          gpu.requestAdapter({ featureLevel, ...adapterOptions }),
        getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat(),
      },
    },
  });
  try {
    return await body();
  } finally {
    if (descriptor === undefined) Reflect.deleteProperty(globalThis, 'navigator');
    else Object.defineProperty(globalThis, 'navigator', descriptor);
    if (previousEglPlatform === undefined) delete process.env.EGL_PLATFORM;
  }
}
