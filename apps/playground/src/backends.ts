import type { AnyClipBackend } from '@gradclip/core';
import { createReferenceBackend } from '@gradclip/core/reference';
import { silenceTfjsNodeBanner } from '@gradclip/models';

/** A backend the playground can run, started lazily so that one that cannot start is reported, not fatal. */
export interface PlaygroundBackend {
  /** The id the backend is expected to report (used for `--backends` and when it cannot start). */
  readonly id: string;
  readonly mode: string;
  readonly create: () => Promise<AnyClipBackend>;
  /**
   * Run in a child process of its own: gpu.js's webgpu (Dawn) and headlessgl (ANGLE/GLX) modes
   * abort a process that holds both, so the parity run gives each its own.
   */
  readonly isolated?: boolean;
  /** Needs an X display (headless-gl); the child runs under `xvfb-run` when DISPLAY is unset. */
  readonly needsDisplay?: boolean;
  /** Also used as a clipper in the training demos (the fast, in-process ones). */
  readonly inDemo?: boolean;
  /**
   * The platforms (`${process.platform}-${process.arch}`) where it must start, or the parity run
   * fails; absent: every platform. See `isExpectedBackend`.
   */
  readonly expectedOn?: readonly string[];
}

/** TF.js's engine is global: pick its backend, then create the gradclip backend over it. */
async function tfjsOn(name: 'cpu' | 'wasm'): Promise<AnyClipBackend> {
  const tf = await import('@tensorflow/tfjs');
  silenceTfjsNodeBanner(tf); // the playground owns its output (see @gradclip/models)
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(name))) throw new Error(`TF.js could not start its "${name}" backend`);
  const { createTfjsBackend } = await import('@gradclip/backend-tfjs');
  return await createTfjsBackend({ tf });
}

async function gpujs(
  mode: 'cpu' | 'webasm' | 'webgpu' | 'headlessgl',
  threads = false,
): Promise<AnyClipBackend> {
  const { createGpujsBackend } = await import('@gradclip/backend-gpujs');
  return await createGpujsBackend({ mode, threads });
}

/**
 * Every backend and mode the playground knows, in run order. Engines are imported lazily, so a
 * missing or broken one is reported with its reason instead of stopping the run.
 */
export const playgroundBackends: readonly PlaygroundBackend[] = [
  {
    id: 'reference',
    mode: 'float64 oracle',
    create: async () => createReferenceBackend(),
    inDemo: true,
  },
  { id: 'tfjs:cpu', mode: 'TF.js cpu', create: () => tfjsOn('cpu'), inDemo: true },
  { id: 'tfjs:wasm', mode: 'TF.js wasm (XNNPACK)', create: () => tfjsOn('wasm') },
  {
    id: 'onnx',
    mode: 'onnxruntime-node CPU',
    create: async () => {
      const { createOnnxBackend } = await import('@gradclip/backend-onnx');
      return await createOnnxBackend();
    },
    inDemo: true,
  },
  {
    id: 'wasm',
    mode: 'WebAssembly SIMD, 2 worker threads',
    create: async () => {
      const { createWasmBackend } = await import('@gradclip/backend-wasm');
      return await createWasmBackend({ threads: 2 });
    },
  },
  { id: 'gpujs:cpu', mode: 'gpu.js cpu', create: () => gpujs('cpu') },
  { id: 'gpujs:webasm', mode: 'gpu.js WebAssembly SIMD', create: () => gpujs('webasm'), inDemo: true },
  {
    id: 'gpujs:webasm-threaded',
    mode: 'gpu.js WebAssembly, worker threads',
    create: () => gpujs('webasm', true),
  },
  {
    id: 'gpujs:webgpu',
    mode: 'gpu.js WebGPU (Dawn on OpenGL ES / EGL)',
    create: () => gpujs('webgpu'),
    isolated: true,
    // Dawn's prebuilt binary over EGL, as scripts/setup.sh installs it on Debian.
    expectedOn: ['linux-x64'],
  },
  {
    id: 'gpujs:headlessgl',
    mode: 'gpu.js headless-gl (ANGLE on Xvfb)',
    create: () => gpujs('headlessgl'),
    isolated: true,
    needsDisplay: true,
    // headless-gl's ANGLE build under Xvfb, as scripts/setup.sh installs it on Debian.
    expectedOn: ['linux-x64'],
  },
];

/** Backends a machine may lack (no display, no GPU stack): ids or prefixes, comma-separated; `*` for all. */
export const OPTIONAL_BACKENDS_VARIABLE = 'GRADCLIP_PARITY_OPTIONAL';

/**
 * Whether a backend that cannot start fails the parity run: every backend of the list is expected
 * on the platforms of its `expectedOn` (all, when absent), unless `GRADCLIP_PARITY_OPTIONAL` names
 * it, e.g. `GRADCLIP_PARITY_OPTIONAL=gpujs:webgpu,gpujs:headlessgl` on a machine without EGL or Xvfb.
 * An id outside the list (a test's own backend) is expected.
 */
export function isExpectedBackend(
  id: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform = `${process.platform}-${process.arch}`,
): boolean {
  const known = playgroundBackends.find((backend) => backend.id === id);
  if (known?.expectedOn !== undefined && !known.expectedOn.includes(platform)) return false;
  const optional = (env[OPTIONAL_BACKENDS_VARIABLE] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return !optional.some((name) => name === '*' || name === id || id.startsWith(`${name}:`));
}

/** The backends named in `--backends a,b` (ids or id prefixes such as `gpujs`), in list order. */
export function selectBackends(
  all: readonly PlaygroundBackend[],
  names: string | undefined,
): PlaygroundBackend[] {
  if (names === undefined || names.trim() === '') return [...all];
  const wanted = names
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const unknown = wanted.filter(
    (name) => !all.some((backend) => backend.id === name || backend.id.startsWith(`${name}:`)),
  );
  if (unknown.length > 0) {
    throw new Error(
      `--backends: unknown backend ${unknown.join(', ')}; expected ids from ${all.map((b) => b.id).join(', ')}`,
    );
  }
  return all.filter((backend) =>
    wanted.some((name) => backend.id === name || backend.id.startsWith(`${name}:`)),
  );
}
