import { clip } from '@gradclip/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend } from './index.js';

// Memory stays flat however the sizes vary: sessions are cached per graph kind and tensor count
// (symbolic dimensions), never per size, and released outputs free their buffers.
describe('random-size soak', () => {
  it('keeps cached sessions and RSS bounded over hundreds of random sizes', async () => {
    const backend = await createOnnxBackend();
    try {
      let seed = 9;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const host = new Float32Array(2 ** 20).map((_, i) => Math.sin(i) * 100);
      const specs = [
        { kind: 'globalNorm', maxNorm: 1 },
        { kind: 'value', min: -1, max: 1 },
      ] as const;
      let warm = { rss: 0, sessions: 0 };
      const steps = 200;
      for (let step = 0; step < steps; step++) {
        const floats = random() < 0.5 ? 1 + Math.floor(random() * 2 ** 20) : Math.ceil(2 ** (random() * 20));
        const input = new ort.Tensor('float32', host.slice(0, floats), [floats]);
        const { gradients } = await clip([input], specs[step % 2] as (typeof specs)[number], { backend });
        backend.release?.(gradients.filter((g) => g !== input));
        input.dispose();
        if (step === 100) warm = { rss: process.memoryUsage().rss, sessions: backend.sessionsCached };
      }
      const rss = process.memoryUsage().rss;
      console.info(
        `onnx, ${steps} clips: RSS ${(warm.rss / 2 ** 20).toFixed(0)} → ${(rss / 2 ** 20).toFixed(0)} MiB, sessions ${warm.sessions} → ${backend.sessionsCached}`,
      );
      expect(backend.sessionsCached).toBe(warm.sessions);
      expect(rss - warm.rss).toBeLessThan(256 * 2 ** 20);
    } finally {
      await backend.dispose();
    }
  });
});
