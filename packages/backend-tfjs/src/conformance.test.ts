import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describeConformance } from '@gradclip/core/conformance/vitest';
import { createTfjsBackend } from './tfjs-backend.js';

// One TF.js engine per process: each block selects its TF.js backend before creating ours.
describeConformance({
  label: 'tfjs:cpu',
  create: async () => {
    await tf.setBackend('cpu');
    return createTfjsBackend({ tf });
  },
});

describeConformance({
  label: 'tfjs:wasm',
  create: async () => {
    await tf.setBackend('wasm');
    return createTfjsBackend({ tf });
  },
});
