/**
 * The threads layer in a page: Web Workers over the shared WebAssembly memory where the page is
 * cross-origin isolated (COOP/COEP), one thread (no worker) otherwise — the same kernels, the same
 * bits. The main thread may not block in a page, so it spins instead of Atomics.wait.
 */
import type { KernelWorker, WorkerData } from './threads-api.js';

interface PageGlobals {
  readonly crossOriginIsolated?: boolean;
  readonly navigator?: { readonly hardwareConcurrency?: number; readonly userAgent?: string };
  readonly Worker?: new (url: string) => PageWorker;
  readonly Blob?: new (parts: string[], options: { type: string }) => unknown;
  readonly URL: { createObjectURL(blob: unknown): string; revokeObjectURL(url: string): void };
}

interface PageWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
}

const page = globalThis as unknown as PageGlobals;

export const RUNTIME = `a browser page (${page.navigator?.userAgent ?? 'unknown'})`;

/** Threads that can share memory here: only a cross-origin-isolated page can post it to workers. */
export function usableThreads(requested: number): number {
  return page.crossOriginIsolated === true && page.Worker !== undefined ? requested : 1;
}

/** Default thread count: the cores (at most 4) when isolated, else 1. */
export function defaultThreads(): number {
  return usableThreads(Math.min(4, Math.max(1, page.navigator?.hardwareConcurrency ?? 1)));
}

/**
 * A shared buffer for the control words. `SharedArrayBuffer` is hidden outside cross-origin
 * isolation, but a shared WebAssembly memory still has one (one thread then uses it alone).
 */
export function sharedBuffer(bytes: number): SharedArrayBuffer {
  if (typeof SharedArrayBuffer === 'function') return new SharedArrayBuffer(bytes);
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer as SharedArrayBuffer;
}

/** The worker's prelude: the Node script's `require('node:worker_threads')`, over a Web Worker. */
const PRELUDE = `self.onmessage = (event) => {
  self.onmessage = null;
  const require = ((data) => () => ({
    workerData: data,
    parentPort: { postMessage: (message) => self.postMessage(message) },
  }))(event.data);
`;

export async function startWorker(source: string, workerData: WorkerData): Promise<KernelWorker> {
  const { Worker, Blob } = page;
  if (Worker === undefined || Blob === undefined) throw new Error('this page has no Web Workers');
  const url = page.URL.createObjectURL(new Blob([`${PRELUDE}${source}\n};`], { type: 'text/javascript' }));
  const worker = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => reject(new Error(event.message ?? 'a Web Worker failed to start'));
      worker.postMessage(workerData);
    });
  } catch (error) {
    worker.terminate();
    throw error;
  } finally {
    page.URL.revokeObjectURL(url);
  }
  worker.onmessage = null;
  worker.onerror = null;
  return {
    terminate: async () => {
      worker.terminate();
    },
  };
}

/** The page's main thread may not Atomics.wait: the caller's loop spins. */
export function waitBriefly(_words: Int32Array, _index: number, _value: number): void {}
