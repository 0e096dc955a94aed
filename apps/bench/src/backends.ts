import type { ClipBackend } from '@gradclip/core';

/**
 * A backend the bench tries to start; `load` imports its package lazily. Unlike core's
 * `firstAvailable`, which keeps the first that starts, the bench starts every candidate and reports
 * each one that cannot.
 */
export interface BenchCandidate {
  /** Stable row label, including the mode and thread count. */
  readonly id: string;
  /** Threads the backend uses (for the PyTorch comparison at the same count). */
  readonly threads: number;
  /** Tensors of this size or larger are skipped (the engine cannot or should not hold them). */
  readonly maxElements?: number;
  /** True when the candidate overwrites its inputs (an in-place variant, not a conformant backend). */
  readonly inPlace?: boolean;
  /** Candidates for the headline (fastest) row: the only ones `--quick` times on GPT-2-small. */
  readonly headline?: boolean;
  /** An engine held to 3× PyTorch or 1.5× its floor: the bench also times its `scale` alone. */
  readonly engine?: boolean;
  load(): Promise<ClipBackend<unknown>>;
}

export type StartedBackend =
  | { readonly candidate: BenchCandidate; readonly backend: ClipBackend<unknown> }
  | { readonly candidate: BenchCandidate; readonly error: string };

/**
 * Imports by a computed specifier, so the bench compiles and runs whether or not a sibling package
 * is installed yet; a candidate that fails to import or start is reported, never fatal.
 */
async function importPackage(specifier: string): Promise<Record<string, unknown>> {
  return (await import(specifier)) as Record<string, unknown>;
}

async function factory(specifier: string, name: string): Promise<(options?: unknown) => Promise<unknown>> {
  const module = await importPackage(specifier);
  const create = module[name];
  if (typeof create !== 'function') throw new Error(`${specifier} has no export ${name}`);
  return create as (options?: unknown) => Promise<unknown>;
}

export function defaultCandidates(): BenchCandidate[] {
  const wasm = (threads: number, inPlace = false, headline = true): BenchCandidate => ({
    id: `wasm${inPlace ? ':in-place' : ''}:${threads}t`,
    threads,
    inPlace,
    headline,
    async load() {
      const create = await factory('@gradclip/backend-wasm', 'createWasmBackend');
      const backend = (await create({ threads })) as ClipBackend<unknown> & { inPlace: ClipBackend<unknown> };
      return inPlace ? backend.inPlace : backend;
    },
  });
  return [
    wasm(2),
    wasm(1, false, false),
    wasm(2, true),
    wasm(1, true, false),
    {
      id: 'reference',
      threads: 1,
      maxElements: 2e7,
      async load() {
        const create = await factory('@gradclip/core/reference', 'createReferenceBackend');
        return (await create()) as ClipBackend<unknown>;
      },
    },
    ...(['wasm', 'cpu'] as const).map(
      (mode): BenchCandidate => ({
        id: `tfjs:${mode}`,
        threads: 1,
        engine: true,
        async load() {
          const tf = await importPackage('@tensorflow/tfjs');
          await importPackage('@tensorflow/tfjs-backend-wasm');
          const create = await factory('@gradclip/backend-tfjs', 'createTfjsBackend');
          await (tf.setBackend as (name: string) => Promise<boolean>)(mode);
          // On wasm, norms are summed by backend-wasm's SIMD kernel inside TF.js's own heap.
          const heapSummarizer =
            mode === 'wasm' ? (await importPackage('@gradclip/backend-wasm')).foreignSummarizer : undefined;
          const backend = (await create({
            tf,
            ...(heapSummarizer ? { heapSummarizer } : {}),
          })) as ClipBackend<unknown>;
          // TF.js's backend is global: switch to this candidate's before each of its calls.
          return withTfjsBackend(tf, mode, backend);
        },
      }),
    ),
    {
      id: 'onnx',
      threads: 2,
      engine: true,
      async load() {
        const create = await factory('@gradclip/backend-onnx', 'createOnnxBackend');
        return (await create({})) as ClipBackend<unknown>;
      },
    },
    ...(['webasm', 'cpu'] as const).map(
      (mode): BenchCandidate => ({
        id: `gpujs:${mode}`,
        threads: 1,
        engine: mode === 'webasm',
        ...(mode === 'cpu' ? { maxElements: 2e7 } : {}),
        async load() {
          const create = await factory('@gradclip/backend-gpujs', 'createGpujsBackend');
          return (await create({ mode })) as ClipBackend<unknown>;
        },
      }),
    ),
  ];
}

/**
 * The TF.js backend wrapped so that TF.js's global backend is `mode` whenever one of its methods
 * runs (the bench runs tfjs:wasm and tfjs:cpu in one process).
 */
function withTfjsBackend(
  tf: Record<string, unknown>,
  mode: string,
  backend: ClipBackend<unknown>,
): ClipBackend<unknown> {
  const setBackend = tf.setBackend as (name: string) => Promise<boolean>;
  const getBackend = tf.getBackend as () => string;
  // setBackend resolves at once for a backend that is already initialised.
  const ensure = () => {
    if (getBackend() !== mode) void setBackend(mode);
  };
  return new Proxy(backend, {
    get(target, property, receiver) {
      ensure();
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        ensure();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export async function startBackend(candidate: BenchCandidate): Promise<StartedBackend> {
  try {
    return { candidate, backend: await candidate.load() };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { candidate, error: message ?? 'unknown error' };
  }
}
