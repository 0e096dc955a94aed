/**
 * The threads layer under Node: worker_threads, os.availableParallelism and Atomics.wait on the
 * main thread. Reached through the package's `#threads` import; a browser bundle gets
 * `threads-browser.ts` (Web Workers) instead, so nothing here reaches a page.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { KernelWorker, WorkerData } from './threads-api.js';

export const RUNTIME = `Node.js ${process.versions.node} (V8 ${process.versions.v8})`;

/** Default thread count: every core. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Threads that can share memory here: all asked for. */
export function usableThreads(requested: number): number {
  return requested;
}

/** A SharedArrayBuffer of `bytes` bytes for the pool's control words. */
export function sharedBuffer(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes);
}

/** Starts one worker on `source` (a CommonJS script) and resolves once it said it is ready. */
export async function startWorker(source: string, workerData: WorkerData): Promise<KernelWorker> {
  const worker = new Worker(source, { eval: true, workerData });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  // An idle pool must not keep the process alive.
  worker.unref();
  return { terminate: async () => void (await worker.terminate()) };
}

/** Waits briefly for `words[index]` to change from `value` (the main thread may block under Node). */
export function waitBriefly(words: Int32Array, index: number, value: number): void {
  Atomics.wait(words, index, value, 1);
}
