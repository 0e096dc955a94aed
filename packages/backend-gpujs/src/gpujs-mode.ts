import { ClipError } from '@gradclip/core';
import { GPU } from 'gpu.js';
// Node: Dawn, headless-gl, createRequire; a browser bundle gets gpujs-platform-browser.ts instead.
import { reasonOf, withModeSetup } from '#gpujs-platform';
import type { WebgpuSetupOptions } from './webgpu-navigator.js';

/**
 * The gpu.js modes this backend runs; each is asked for explicitly, never auto-selected. `webasm`
 * and `headlessgl` run under Node, `webgl` and `webgl2` in a browser page, `cpu` and `webgpu` in both.
 */
export type GpujsMode = 'cpu' | 'webasm' | 'webgpu' | 'headlessgl' | 'webgl' | 'webgl2';

export const GPUJS_MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'webgpu', 'headlessgl', 'webgl', 'webgl2'];

/** The gpu.js kernel class each mode must run on; anything else is a silent fallback. */
export const KERNEL_CLASS_OF_MODE: Readonly<Record<GpujsMode, string>> = {
  cpu: 'CPUKernel',
  webasm: 'WebAssemblyKernel',
  webgpu: 'WebGPUKernel',
  headlessgl: 'HeadlessGLKernel',
  webgl: 'WebGLKernel',
  webgl2: 'WebGL2Kernel',
};

export interface StartedGpu {
  readonly gpu: GPU;
  /** Whether kernels run under the async contract (webgpu always; webasm with threads). */
  readonly asyncKernels: boolean;
}

export interface StartGpuOptions {
  readonly mode: GpujsMode;
  readonly threads: boolean;
  readonly webgpu: WebgpuSetupOptions;
  /** Runs once the `GPU` exists, inside the mode's set-up (webgpu: while the shim is installed). */
  readonly warmUp: (started: StartedGpu) => Promise<void>;
}

/** Creates the gpu.js instance of a mode; fails with BACKEND_UNAVAILABLE naming the reason. */
export async function startGpu(options: StartGpuOptions): Promise<StartedGpu> {
  const { mode } = options;
  const start = async (): Promise<StartedGpu> => {
    let gpu: GPU;
    try {
      gpu = new GPU({ mode });
    } catch (error) {
      throw unavailable(mode, reasonOf(mode, error), error);
    }
    const started = { gpu, asyncKernels: mode === 'webgpu' || (mode === 'webasm' && options.threads) };
    try {
      await options.warmUp(started);
    } catch (error) {
      await gpu.destroy();
      if (error instanceof ClipError) throw error;
      throw unavailable(mode, reasonOf(mode, error), error);
    }
    return started;
  };
  return withModeSetup(mode, options.webgpu, start);
}

function unavailable(mode: GpujsMode, reason: string, cause: unknown): ClipError {
  return new ClipError('BACKEND_UNAVAILABLE', `gpujs:${mode} cannot start: ${reason}`, {
    field: 'mode',
    value: mode,
    expected: `a machine where gpu.js runs ${KERNEL_CLASS_OF_MODE[mode]}`,
    cause,
  });
}
