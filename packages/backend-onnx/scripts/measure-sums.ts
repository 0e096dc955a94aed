/**
 * Measures how ORT's float64 ReduceSum differs from the oracle's compensated sum, and how often the
 * difference changes the float32 scale `fround(maxNorm / norm)` or the `norm ≤ maxNorm` decision.
 * Run: node --conditions=@gradclip/source --import tsx scripts/measure-sums.ts [trials]
 */
import { createRandom, wholeTensorLayout } from '@gradclip/core/backend';
import { summarizeValues } from '@gradclip/core/reference';
import { createOnnxBackend } from '../src/index.js';

const trials = Number(process.argv[2] ?? 300);
const backend = await createOnnxBackend();
const random = createRandom(12345);
let differentSums = 0;
let differentScales = 0;
let maxRelative = 0;
let scalesChecked = 0;
for (let trial = 0; trial < trials; trial++) {
  const size = Math.floor(10 ** (2 + 4.5 * random.uniform()));
  const magnitude = 10 ** (6 * random.uniform() - 3);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = random.normal() * magnitude;
  for (const p of [1, 2]) {
    const request = { p, layouts: [wholeTensorLayout([size])], exponent: 0 };
    const oracle = summarizeValues(values, request, 0).sums[0] as number;
    const tensor = await backend.fromHost(values, [size]);
    const [summary] = (await backend.summarize?.([tensor], request)) ?? [];
    const onnx = summary?.sums[0] as number;
    if (onnx !== oracle) differentSums++;
    maxRelative = Math.max(maxRelative, Math.abs(onnx - oracle) / oracle);
    // Thresholds spread over (0, norm): every one gives a scale; count those that change.
    const norm = p === 2 ? Math.sqrt(oracle) : oracle;
    const onnxNorm = p === 2 ? Math.sqrt(onnx) : onnx;
    for (let k = 0; k < 1000; k++) {
      // Two uniforms give a full 53-bit fraction (one alone sits on float32 ties 1 time in 128).
      const maxNorm = norm * (random.uniform() + random.uniform() * 2 ** -32);
      scalesChecked++;
      if (Math.fround(maxNorm / norm) !== Math.fround(maxNorm / onnxNorm)) differentScales++;
    }
  }
}
console.log(
  JSON.stringify({ trials: trials * 2, differentSums, maxRelative, scalesChecked, differentScales }, null, 1),
);
await backend.dispose();
