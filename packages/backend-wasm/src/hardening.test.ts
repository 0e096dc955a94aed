import { describeHardening } from '@gradclip/core/hardening/vitest';
import { createWasmBackend } from './index.js';

// Bad specs, bad gradients and random valid clips: a typed ClipError or the oracle's answer.
describeHardening({
  label: 'backend-wasm (2 threads)',
  numRuns: 100,
  create: () => createWasmBackend({ threads: 2 }),
});
