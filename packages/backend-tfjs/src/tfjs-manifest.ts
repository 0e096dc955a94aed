import type { BackendManifest } from '@gradclip/core/backend';

/** TF.js backends on which the conformance kit runs in this package's CI, bit for bit. */
const CERTIFIED = new Set(['cpu', 'wasm']);

const COMMON_NOTES = [
  'Norms: each gradient is read on the host once (in place from the wasm heap or the cpu backing array, else dataSync, or data() with readback "async") and summed in float64 in a fixed blocked order with a rigorous error bound; core certifies every decision from it (an exact host sum settles the rare undecidable one), so the float32 scale equals the oracle\'s exactly.',
  'scale, clamp and zeroNonFinite run as TF.js ops on the tensors where they live. clamp is tf.where over tf.less / tf.greater with the bounds as scalar tensors, the contract literally: tf.clipByValue fills NaN and -0 with the bound when min == max, on wasm XNNPACK turns NaN into the lower bound and -0 into +0, and a clamp operator cached by bound value (where -0 === +0) returns the sign of an earlier call’s zero bound.',
];

const PER_BACKEND: Record<string, string> = {
  cpu: 'TF.js cpu: certified bit-identical (maxUlp 0) by the conformance kit. Elementwise ops are JavaScript float64 arithmetic rounded once to float32, which is correctly rounded float32 multiplication and division. Reading the norms costs no copy (dataSync returns the backing array).',
  wasm: 'TF.js wasm (@tensorflow/tfjs-backend-wasm): certified bit-identical (maxUlp 0) by the conformance kit. WebAssembly float32 arithmetic is IEEE 754 with subnormals. Norms read the gradients in place in the wasm heap (no copy).',
  webgl:
    'TF.js webgl: measured in headless Chromium by @gradclip/browser-tests (WebGL2 on SwiftShader, no GPU): bit-identical (0 ULP) on every kit case up to 2^24 elements; larger tensors come back wrong (measured: element 2^24 + 1 of a 2^24 + 2 tensor read from another position, because texel coordinates are computed in float32), so largeTensors is not declared. Not certified on real GPUs: run runConformance from @gradclip/core/conformance in the target browser. GLSL ES 3.0 specifies a*b correctly rounded but a/b only within 2.5 ULP (used by compat "keras" per-tensor and "optax" only) and allows subnormals to flush to zero; without float32 render targets (WEBGL_RENDER_FLOAT32_ENABLED false) TF.js stores float16 and clipping is not exact. dataSync is a synchronous GPU read-back (slow).',
  webgpu:
    'TF.js webgpu: not certified here (no GPU in CI); run runConformance in the target browser. WGSL allows x/y within 2.5 ULP (compat "keras" per-tensor and "optax" only) and subnormal flushing. dataSync works through a slow canvas read-back; pass readback "async" to use data() (then only clip(), not clipSync() nor the optimizer wrapper, can run).',
};

/** What the backend promises on the TF.js backend `tfBackend` (the value of `tf.getBackend()`). */
export function tfjsManifest(tfBackend: string): BackendManifest {
  const note =
    PER_BACKEND[tfBackend] ??
    `TF.js ${tfBackend}: not certified; run runConformance from @gradclip/core/conformance on it. Native TensorFlow (tfjs-node) flushes subnormals to zero.`;
  return {
    // GPU shading languages allow 2.5 ULP for division; everything else is correctly rounded.
    maxUlp: CERTIFIED.has(tfBackend) ? 0 : 3,
    // TF.js webgl addresses texels with float32 coordinates: tensors past 2^24 elements are misread.
    capabilities: tfBackend === 'webgl' ? ['axes', 'generalP'] : ['axes', 'generalP', 'largeTensors'],
    expectedFailures: [],
    notes: [note, ...COMMON_NOTES],
  };
}
