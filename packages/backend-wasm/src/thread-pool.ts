import { ClipError } from '@gradclip/core';
// Node: worker_threads; a browser bundle gets threads-browser.ts (Web Workers) instead.
import { sharedBuffer, startWorker, waitBriefly } from '#threads';
import { instantiateKernels, type KernelExports } from './kernels/kernel-module.js';
import type { KernelWorker } from './threads-api.js';
import type {} from './webassembly-api.js';
import { WORKER_SOURCE } from './worker-source.js';

/** Operations a dispatch runs, with the worker's numbering. */
export type KernelOperation =
  | { readonly kind: 'summarize'; readonly mode: number }
  | { readonly kind: 'scale' }
  | { readonly kind: 'clamp'; readonly min: number; readonly max: number }
  | { readonly kind: 'clampSummarize'; readonly min: number; readonly max: number }
  | { readonly kind: 'zeroNonFinite' }
  | { readonly kind: 'copy' };

const OPERATION_CODE = {
  summarize: 1,
  scale: 2,
  clamp: 3,
  zeroNonFinite: 4,
  copy: 5,
  clampSummarize: 6,
} as const;

// Control words (Int32 indices) shared with worker-source.ts.
const GENERATION = 0;
const OPERATION = 1;
const INSIDE = 2;
const JOBS = 3;
const COUNT = 4;
const COUNTER = 5;
const MODE = 6;
const CLOSED = 0x40000000;

export interface ThreadPoolOptions {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Threads in all, the calling thread included; 1 starts no worker. */
  readonly threads: number;
  /** Polls before a worker sleeps, so back-to-back kernels (summarize, then scale) skip a wake-up. */
  readonly spin?: number;
}

/**
 * The main thread and `threads − 1` workers, each with its own instance over one shared memory.
 * A dispatch is synchronous: the calling thread publishes the operation, wakes the workers, runs
 * jobs itself and returns when every job is done. Jobs are taken from an atomic counter, so a
 * worker that wakes late (a busy machine) simply finds fewer jobs — the main thread never waits
 * for a worker that has not started, only for those already inside the dispatch.
 */
export class ThreadPool {
  readonly threads: number;
  readonly kernels: KernelExports;
  readonly #workers: KernelWorker[];
  readonly #words: Int32Array;
  readonly #numbers: Float64Array;
  readonly #memory: WebAssembly.Memory;

  private constructor(
    kernels: KernelExports,
    memory: WebAssembly.Memory,
    workers: KernelWorker[],
    control: SharedArrayBuffer,
  ) {
    this.kernels = kernels;
    this.#memory = memory;
    this.#workers = workers;
    this.threads = workers.length + 1;
    this.#words = new Int32Array(control, 0, 16);
    this.#numbers = new Float64Array(control, 64, 4);
  }

  static async start(options: ThreadPoolOptions): Promise<ThreadPool> {
    const control = sharedBuffer(128);
    const kernels = instantiateKernels(options.module, options.memory);
    const workers: KernelWorker[] = [];
    try {
      for (let i = 1; i < options.threads; i++) {
        workers.push(
          await startWorker(WORKER_SOURCE, {
            module: options.module,
            memory: options.memory,
            control,
            spin: options.spin ?? 20_000,
          }),
        );
      }
    } catch (cause) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw new ClipError('BACKEND_UNAVAILABLE', `backend-wasm: a worker thread failed to start: ${cause}`, {
        field: 'threads',
        value: options.threads,
        expected:
          'worker threads (Node) or Web Workers (a cross-origin-isolated page) with shared WebAssembly memory',
        cause,
      });
    }
    return new ThreadPool(kernels, options.memory, workers, control);
  }

  /**
   * Runs `count` jobs at byte offset `jobs`, taking them through the atomic counter at `counter`.
   * `parallel: false` keeps small work on the calling thread (a wake-up costs more than it saves).
   */
  run(operation: KernelOperation, jobs: number, count: number, counter: number, parallel: boolean): void {
    const words = this.#words;
    const memoryCounter = new Int32Array(this.#memory.buffer, counter, 1);
    Atomics.store(memoryCounter, 0, 0);
    const shared = parallel && this.#workers.length > 0;
    if (shared) {
      words[OPERATION] = OPERATION_CODE[operation.kind];
      words[JOBS] = jobs;
      words[COUNT] = count;
      words[COUNTER] = counter;
      if (operation.kind === 'summarize') {
        words[MODE] = operation.mode;
      } else if (operation.kind === 'clamp' || operation.kind === 'clampSummarize') {
        this.#numbers[1] = operation.min;
        this.#numbers[2] = operation.max;
      }
      Atomics.store(words, INSIDE, 0);
      Atomics.add(words, GENERATION, 1);
      Atomics.notify(words, GENERATION);
    }
    this.#runHere(operation, jobs, count, counter);
    if (!shared) return;
    // Close the dispatch, then wait for the workers that entered it.
    let inside = Atomics.load(words, INSIDE);
    for (;;) {
      const before = Atomics.compareExchange(words, INSIDE, inside, inside | CLOSED);
      if (before === inside) break;
      inside = before;
    }
    for (;;) {
      const now = Atomics.load(words, INSIDE);
      if ((now & ~CLOSED) === 0) break;
      waitBriefly(words, INSIDE, now);
    }
  }

  async stop(): Promise<void> {
    Atomics.store(this.#words, OPERATION, -1);
    Atomics.add(this.#words, GENERATION, 1);
    Atomics.notify(this.#words, GENERATION);
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #runHere(operation: KernelOperation, jobs: number, count: number, counter: number): void {
    const kernels = this.kernels;
    switch (operation.kind) {
      case 'summarize':
        kernels.summarize(jobs, count, counter, operation.mode);
        return;
      case 'scale':
        kernels.scale(jobs, count, counter);
        return;
      case 'clamp':
        kernels.clamp(jobs, count, counter, operation.min, operation.max);
        return;
      case 'clampSummarize':
        kernels.clampSummarize(jobs, count, counter, operation.min, operation.max);
        return;
      case 'zeroNonFinite':
        kernels.zeroNonFinite(jobs, count, counter);
        return;
      case 'copy':
        kernels.copy(jobs, count, counter);
        return;
    }
  }
}
