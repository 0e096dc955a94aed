/**
 * Times the ONNX backend against the reference: session creation, first and warm calls, 1e7
 * floats by global norm and by value, and many small tensors. Speed is measured here, never asserted.
 * Run: tsx --conditions=@gradclip/source scripts/benchmark.ts
 */
import { clip } from '@gradclip/core';
import { createRandom } from '@gradclip/core/backend';
import * as ort from 'onnxruntime-node';
import { createOnnxBackend, exportClipGraph } from '../src/index.js';

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function time(label: string, runs: number, body: () => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await body();
    times.push(performance.now() - started);
  }
  console.log(`${label}: median ${median(times).toFixed(1)} ms of ${runs}`);
}

const random = createRandom(1);
const size = 10_000_000;
const values = Float32Array.from({ length: size }, () => random.normal());
const big = [new ort.Tensor('float32', values, [size])];

let started = performance.now();
const backend = await createOnnxBackend();
console.log(`createOnnxBackend: ${(performance.now() - started).toFixed(1)} ms`);
started = performance.now();
await clip(
  [new ort.Tensor('float32', new Float32Array([3, 4]), [2])],
  { kind: 'globalNorm', maxNorm: 1 },
  { backend },
);
console.log(`first call (creates 2 sessions): ${(performance.now() - started).toFixed(1)} ms`);
await time('warm call, 2 floats, globalNorm', 50, () =>
  clip(
    [new ort.Tensor('float32', new Float32Array([3, 4]), [2])],
    { kind: 'globalNorm', maxNorm: 1 },
    { backend },
  ),
);
await time('1e7 floats, globalNorm (clipped), onnx', 5, () =>
  clip(big, { kind: 'globalNorm', maxNorm: 1 }, { backend }),
);
await time('1e7 floats, globalNorm (not clipped), onnx', 5, () =>
  clip(big, { kind: 'globalNorm', maxNorm: 1e9 }, { backend }),
);
await time('1e7 floats, value, onnx', 5, () => clip(big, { kind: 'value', min: -1, max: 1 }, { backend }));
const host = [{ shape: [size], values }];
await time('1e7 floats, globalNorm, reference', 3, () => clip(host, { kind: 'globalNorm', maxNorm: 1 }));
const small = Array.from(
  { length: 1000 },
  (_, i) => new ort.Tensor('float32', values.slice(i * 100, i * 100 + 100), [100]),
);
await clip(small, { kind: 'globalNorm', maxNorm: 1 }, { backend });
await time('1000 tensors of 100 floats, globalNorm, onnx', 10, () =>
  clip(small, { kind: 'globalNorm', maxNorm: 1 }, { backend }),
);
console.log(`sessions created in all: ${backend.sessionsCreated}`);
await backend.dispose();

const graph = exportClipGraph({ kind: 'globalNorm', maxNorm: 1 }, { inputs: [{ name: 'g', shape: ['n'] }] });
started = performance.now();
const session = await ort.InferenceSession.create(graph, { graphOptimizationLevel: 'disabled' });
console.log(
  `exported globalNorm graph: ${graph.length} bytes, session created in ${(performance.now() - started).toFixed(1)} ms`,
);
await time('1e7 floats, exported globalNorm graph', 5, () => session.run({ g: big[0] as ort.Tensor }));
await session.release();
