import { clipSync } from '@gradclip/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend, type WasmTensor } from './index.js';

// Issue 12 #3: 1,070 clips of random sizes, each released, took the exact-size pool to 4 GiB of
// wasm memory (RSS 3.9 GB) and then failed. A training job with varied shapes must run forever.
describe('wasm memory under thousands of random-size clips (soak)', () => {
  let backend: WasmBackend;
  beforeAll(async () => {
    backend = await createWasmBackend({ threads: 2 });
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('keeps the wasm memory and RSS bounded', () => {
    const host = new Float32Array(2 ** 20).map((_, i) => Math.sin(i) * 100);
    let seed = 3;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const kept: WasmTensor[] = [];
    let warm = { memoryBytes: 0, rss: 0 };
    const steps = 3000;
    for (let step = 0; step < steps; step++) {
      const floats = random() < 0.5 ? 1 + Math.floor(random() * 2 ** 20) : Math.ceil(2 ** (random() * 20));
      const input = backend.fromHost(host.subarray(0, floats), [floats]);
      const { gradients } = clipSync([input], { kind: 'globalNorm', maxNorm: 1 }, { backend });
      backend.release([input]);
      // A few outputs stay alive for a while and are released out of order: fragmentation.
      kept.push(...gradients);
      if (kept.length > 4) backend.release(kept.splice(Math.floor(random() * kept.length), 1));
      if (step === 100)
        warm = { memoryBytes: backend.memoryUsage().memoryBytes, rss: process.memoryUsage().rss };
    }
    backend.release(kept);
    const usage = backend.memoryUsage();
    const rss = process.memoryUsage().rss;
    console.info(
      `${steps} clips: wasm memory ${(warm.memoryBytes / 2 ** 20).toFixed(0)} → ${(usage.memoryBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `RSS ${(warm.rss / 2 ** 20).toFixed(0)} → ${(rss / 2 ** 20).toFixed(0)} MiB, ${usage.freeBlocks} free blocks`,
    );
    // Five live tensors of at most 4 MiB, plus an input and an output: the default 64 MiB memory
    // is enough, and nothing may creep.
    expect(usage.memoryBytes).toBeLessThanOrEqual(128 * 2 ** 20);
    expect(rss - warm.rss).toBeLessThan(256 * 2 ** 20);
  });
});
