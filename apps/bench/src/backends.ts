import type { ClipBackend } from '@gradclip/core';

/** A backend the bench tries to start; `load` imports its package lazily. */
export interface BackendCandidate {
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
  load(): Promise<ClipBackend<unknown>>;
}

export type StartedBackend =
  | { readonly candidate: BackendCandidate; readonly backend: ClipBackend<unknown> }
  | { readonly candidate: BackendCandidate; readonly error: string };

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

export function defaultCandidates(): BackendCandidate[] {
  const wasm = (threads: number, inPlace = false): BackendCandidate => ({
    id: `wasm${inPlace ? ':in-place' : ''}:${threads}t`,
    threads,
    inPlace,
    headline: true,
    async load() {
      const create = await factory('@gradclip/backend-wasm', 'createWasmBackend');
      const backend = (await create({ threads })) as ClipBackend<unknown> & { inPlace: ClipBackend<unknown> };
      return inPlace ? backend.inPlace : backend;
    },
  });
  return [
    wasm(2),
    wasm(1),
    wasm(2, true),
    {
      id: 'reference',
      threads: 1,
      maxElements: 2e7,
      async load() {
        const create = await factory('@gradclip/core/reference', 'createReferenceBackend');
        return (await create()) as ClipBackend<unknown>;
      },
    },
    {
      id: 'tfjs:wasm',
      threads: 1,
      async load() {
        const tf = await importPackage('@tensorflow/tfjs');
        await importPackage('@tensorflow/tfjs-backend-wasm');
        const create = await factory('@gradclip/backend-tfjs', 'createTfjsBackend');
        await (tf.setBackend as (name: string) => Promise<boolean>)('wasm');
        return (await create({ tf })) as ClipBackend<unknown>;
      },
    },
    {
      id: 'onnx',
      threads: 2,
      async load() {
        const create = await factory('@gradclip/backend-onnx', 'createOnnxBackend');
        return (await create({})) as ClipBackend<unknown>;
      },
    },
    ...(['webasm', 'cpu'] as const).map(
      (mode): BackendCandidate => ({
        id: `gpujs:${mode}`,
        threads: 1,
        ...(mode === 'cpu' ? { maxElements: 2e7 } : {}),
        async load() {
          const create = await factory('@gradclip/backend-gpujs', 'createGpujsBackend');
          return (await create({ mode })) as ClipBackend<unknown>;
        },
      }),
    ),
  ];
}

export async function startBackend(candidate: BackendCandidate): Promise<StartedBackend> {
  try {
    return { candidate, backend: await candidate.load() };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { candidate, error: message ?? 'unknown error' };
  }
}
