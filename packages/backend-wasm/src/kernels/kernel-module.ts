import type {} from '../webassembly-api.js';
import { KERNEL_BINARY_BASE64 } from './kernel-binary.js';

/** The exports of kernels.wat; every kernel takes (jobs, count, counter) first. */
export interface KernelExports {
  summarize(jobs: number, count: number, counter: number, mode: number): void;
  scale(jobs: number, count: number, counter: number): void;
  clamp(jobs: number, count: number, counter: number, min: number, max: number): void;
  clampSummarize(jobs: number, count: number, counter: number, min: number, max: number): void;
  zeroNonFinite(jobs: number, count: number, counter: number): void;
  copy(jobs: number, count: number, counter: number): void;
}

/** Compiles the kernels (once per backend; workers receive the compiled module). */
export function compileKernels(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(bytesOfBase64(KERNEL_BINARY_BASE64));
}

/** atob, not Buffer: the same code runs under Node and in a page. */
export function bytesOfBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
