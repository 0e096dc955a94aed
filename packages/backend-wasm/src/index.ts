export { type ForeignHeap, type ForeignSummarizer, foreignSummarizer } from './foreign-summary.js';
export type { MemoryPoolUsage } from './memory-pool.js';
export {
  createWasmBackend,
  WASM_MANIFEST,
  type WasmBackend,
  type WasmBackendOptions,
} from './wasm-backend.js';
export type { WasmTensor } from './wasm-tensor.js';
