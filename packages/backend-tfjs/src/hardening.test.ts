import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describeHardening } from '@gradclip/core/hardening/vitest';
import { createTfjsBackend } from './tfjs-backend.js';

// Bad specs, bad gradients and random valid clips: a typed ClipError or the oracle's answer.
describeHardening({
  label: 'tfjs:cpu',
  numRuns: 100,
  create: async () => {
    await tf.setBackend('cpu');
    return createTfjsBackend({ tf });
  },
});
