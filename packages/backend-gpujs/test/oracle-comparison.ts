import { type ClipSpec, clip, type HostTensor } from '@gradclip/core';
import { float32Bits } from '@gradclip/core/backend';
import { createReferenceBackend } from '@gradclip/core/reference';
import { expect } from 'vitest';
import type { GpujsBackend } from '../src/index.js';

/** Values with a spread of magnitudes and signs, reproducible (a 32-bit LCG, no Math.random). */
export function sampleValues(length: number, seed: number, magnitude = 1): Float32Array {
  const values = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = ((state / 2 ** 32) * 2 - 1) * magnitude * (1 + (i % 7));
  }
  return values;
}

/** Clips with the backend and with the oracle; expects identical bits and report. */
export async function expectOracleBits(
  backend: GpujsBackend,
  tensors: readonly HostTensor[],
  spec: ClipSpec,
  oracle?: { outputs: readonly Float32Array[]; normBefore: number; scale: number | null },
): Promise<void> {
  const expected: { outputs: readonly Float32Array[]; normBefore: number; scale: number | null } =
    oracle ??
    (await clip(tensors, spec, { backend: createReferenceBackend() }).then((result) => ({
      outputs: result.gradients.map((tensor) => tensor.values),
      normBefore: result.report.normBefore,
      scale: result.report.scale,
    })));
  const owned = await Promise.all(tensors.map((tensor) => backend.fromHost(tensor.values, tensor.shape)));
  const result = await clip(owned, spec, { backend });
  expect(result.report.scale).toBe(expected.scale);
  // Norms may differ in the last bits (another summation order); the float32 scale may not.
  const relative =
    Math.abs(result.report.normBefore - expected.normBefore) / Math.abs(expected.normBefore || 1);
  expect(relative).toBeLessThan(1e-12);
  for (const [i, tensor] of result.gradients.entries()) {
    const want = expected.outputs[i] as Float32Array;
    const got = await backend.toHost(tensor);
    expect(got.length).toBe(want.length);
    let first = -1;
    for (let k = 0; k < want.length; k++) {
      if (float32Bits(got[k] as number) !== float32Bits(want[k] as number)) {
        first = k;
        break;
      }
    }
    expect(first, `tensor ${i}: first differing element`).toBe(-1);
  }
}
