import { type ClipSpec, clip } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './tfjs-backend.js';

// Memory stays flat however the sizes vary: every call frees what it made, and the clipped
// tensors, once disposed, leave nothing behind (tensor count and bytes back where they started).
for (const tfBackend of ['cpu', 'wasm']) {
  describe(`random-size soak on tfjs:${tfBackend}`, () => {
    it('keeps numTensors and numBytes flat over hundreds of random-size clips', async () => {
      await tf.setBackend(tfBackend);
      const backend = await createTfjsBackend({ tf });
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const host = new Float32Array(2 ** 18).map((_, i) => Math.sin(i) * 100);
      const specs: readonly ClipSpec[] = [
        { kind: 'globalNorm', maxNorm: 1 },
        { kind: 'value', min: -1, max: -0 },
        { kind: 'norm', maxNorm: 1, axes: [0] },
      ];
      const before = tf.memory();
      const steps = 150;
      for (let step = 0; step < steps; step++) {
        const rows = Math.ceil(2 ** (random() * 9));
        const columns = Math.ceil(2 ** (random() * 9));
        const input = tf.tensor2d(host.subarray(0, rows * columns), [rows, columns]);
        const { gradients } = await clip([input], specs[step % specs.length] as ClipSpec, { backend });
        tf.dispose([input, ...gradients.filter((g) => g !== input)]);
      }
      const after = tf.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      await backend.dispose();
    });
  });
}
