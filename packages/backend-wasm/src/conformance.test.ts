import { describeConformance } from '@gradclip/core/conformance/vitest';
import { createWasmBackend } from './index.js';

// Two threads with no size threshold, so every case crosses the thread pool; and one thread.
describeConformance({
  label: 'backend-wasm (2 threads)',
  create: () => createWasmBackend({ threads: 2, parallelThreshold: 0 }),
});
describeConformance({ label: 'backend-wasm (1 thread)', create: () => createWasmBackend({ threads: 1 }) });
