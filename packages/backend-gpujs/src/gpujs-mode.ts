import { ClipError } from '@gradclip/core';
import { GPU } from 'gpu.js';
import { type WebgpuSetupOptions, withWebgpuNavigator } from './webgpu-navigator.js';

/** The gpu.js modes this backend runs; each is asked for explicitly, never auto-selected. */
export type GpujsMode = 'cpu' | 'webasm' | 'webgpu' | 'headlessgl';

export const GPUJS_MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'webgpu', 'headlessgl'];

/** The gpu.js kernel class each mode must run on; anything else is a silent fallback. */
export const KERNEL_CLASS_OF_MODE: Readonly<Record<GpujsMode, string>> = {
  cpu: 'CPUKernel',
  webasm: 'WebAssemblyKernel',
  webgpu: 'WebGPUKernel',
  headlessgl: 'HeadlessGLKernel',
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
  if (mode === 'webgpu') return withWebgpuNavigator(options.webgpu, start);
  return start();
}

function reasonOf(mode: GpujsMode, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (mode === 'headlessgl') {
    const display = process.env.DISPLAY;
    return `${message} (headless-gl needs an X display: DISPLAY is ${display === undefined ? 'not set' : `"${display}"`}; run under xvfb-run -a, and install the npm package gl)`;
  }
  if (mode === 'webgpu') {
    return `${message} (Dawn's OpenGL ES backend needs libEGL (libegl1, libegl-dev, libegl-mesa0, libgl1-mesa-dri))`;
  }
  return message;
}

function unavailable(mode: GpujsMode, reason: string, cause: unknown): ClipError {
  return new ClipError('BACKEND_UNAVAILABLE', `gpujs:${mode} cannot start: ${reason}`, {
    field: 'mode',
    value: mode,
    expected: `a machine where gpu.js runs ${KERNEL_CLASS_OF_MODE[mode]}`,
    cause,
  });
}
