import type {} from './webassembly-api.js';

/** What a worker gets at start: the compiled kernels, the shared memory and the control words. */
export interface WorkerData {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  readonly spin: number;
}

/** A started worker (a Node worker thread or a Web Worker). */
export interface KernelWorker {
  terminate(): Promise<void>;
}
