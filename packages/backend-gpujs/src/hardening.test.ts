import { describeHardening } from '@gradclip/core/hardening/vitest';
import { createGpujsBackend } from './index.js';

// Bad specs, bad gradients and random valid clips: a typed ClipError or the oracle's answer.
describeHardening({ label: 'gpujs:cpu', numRuns: 60, create: () => createGpujsBackend({ mode: 'cpu' }) });
