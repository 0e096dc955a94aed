/**
 * Measures clipping on the TF.js cpu and wasm backends (run: `npx tsx scripts/measure-clip.ts`).
 * Prints timings; asserts nothing. Sizes: `MEASURE_ELEMENTS` (default 2^24) in 64 tensors.
 */
import { createClipper } from '@gradclip/core';
import { createRandom } from '@gradclip/core/backend';
import { summarizeValues } from '@gradclip/core/reference';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createTfjsBackend } from '../src/index.js';

const total = Number(process.env.MEASURE_ELEMENTS ?? 2 ** 24);
const count = 64;
const random = createRandom(42);
const host = Array.from({ length: count }, () => {
  const values = new Float32Array(Math.floor(total / count));
  for (let i = 0; i < values.length; i++) values[i] = random.uniform() - 0.5;
  return values;
});

function best(runs: number, body: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    body();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

for (const tfBackend of ['cpu', 'wasm']) {
  await tf.setBackend(tfBackend);
  const backend = await createTfjsBackend({ tf });
  const tensors = host.map((values) => tf.tensor1d(values));
  const layouts = tensors.map((t) => ({ shape: t.shape, axes: null, sliceCount: 1, size: t.size }));
  const request = { p: 2, layouts, exponent: 0 };
  const readback = best(5, () => {
    for (const t of tensors) t.dataSync();
  });
  const hostSum = best(5, () => {
    for (const [i, values] of host.entries()) summarizeValues(values, request, i);
  });
  const summarize = best(5, () => backend.summarize?.(tensors, request));
  const deviceSum = best(5, () => {
    tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))).dataSync());
  });
  const clipper = createClipper({ kind: 'globalNorm', maxNorm: 1 }, { backend });
  const clipTime = best(5, () => {
    const { gradients } = clipper.clipSync(tensors);
    tf.dispose(gradients.filter((g, i) => g !== tensors[i]));
  });
  const valueClipper = createClipper({ kind: 'value', min: -0.25, max: 0.25 }, { backend });
  const valueTime = best(5, () => {
    const { gradients } = valueClipper.clipSync(tensors);
    tf.dispose(gradients.filter((g, i) => g !== tensors[i]));
  });
  const exact = backend.summarize?.(tensors, request) as unknown as { sums: Float64Array }[];
  const exactSum = exact.reduce((s, x) => s + (x.sums[0] as number), 0);
  const float32Sum = tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))).dataSync()[0] as number);
  console.log(
    `tfjs:${tfBackend} ${total} elements in ${count} tensors: readback ${readback.toFixed(1)} ms, ` +
      `host float64 sum ${hostSum.toFixed(1)} ms, summarize kernel ${summarize.toFixed(1)} ms, ` +
      `TF.js float32 square+sum ${deviceSum.toFixed(1)} ms (relative error ${Math.abs(float32Sum - exactSum) / exactSum}), ` +
      `clipSync globalNorm (clipped) ${clipTime.toFixed(1)} ms, clipSync value ${valueTime.toFixed(1)} ms`,
  );
  tf.dispose(tensors);
}
