/**
 * The kit's value checks: the backend's outputs against the expected vectors — bit for bit, or
 * within the manifest's `maxUlp` — and its inputs against what they were before the call.
 */
import type { ClipBackend } from '../backend.js';
import { clip } from '../clipper.js';
import { firstFloat32Difference, maxUlpDistance, sameFloat32Array } from '../float32.js';
import { float32FromJson, float32ToJson, type NamedHostTensor } from '../gradient-json.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { bitsHash, type ConformanceCase } from './case-format.js';
import type { RecordFailure } from './check-case.js';

/** Inputs are never mutated: each tensor reads back as it was written. */
export async function checkUnmutated<T>(
  backend: ClipBackend<T>,
  tensors: readonly T[],
  hostInputs: readonly NamedHostTensor[],
  fail: RecordFailure,
): Promise<void> {
  for (let i = 0; i < tensors.length; i++) {
    const input = hostInputs[i] as NamedHostTensor;
    const now = await backend.toHost(tensors[i] as T);
    if (!sameFloat32Array(now, input.values)) {
      const difference = firstFloat32Difference(now, input.values);
      fail(
        'mutated-input',
        `input "${input.name}" changed at [${difference?.index}]: ${difference?.expected} became ${difference?.actual}`,
      );
    }
  }
}

/** The outputs against the expectation; returns the largest ULP distance measured (0 = bit-identical). */
export async function compareOutputs<T>(
  backend: ClipBackend<T>,
  testCase: ConformanceCase,
  hostInputs: readonly NamedHostTensor[],
  outputs: readonly NamedHostTensor[],
  fail: RecordFailure,
): Promise<number> {
  const expectation = testCase.expect;
  if (!('outputs' in expectation)) return 0;
  let worst = 0;
  let oracle: Record<string, { values: Float32Array }> | undefined;
  for (let i = 0; i < outputs.length; i++) {
    const output = outputs[i] as NamedHostTensor;
    const expected = expectation.outputs[i];
    if (expected === undefined || expected.name !== output.name) {
      fail('mismatch', `expected output ${i} to be "${expected?.name}", got "${output.name}"`);
      continue;
    }
    let expectedValues: Float32Array;
    if ('values' in expected) {
      expectedValues = new Float32Array(
        expected.values.map((value, k) => float32FromJson(value, `${expected.name}[${k}]`)),
      );
    } else {
      if (bitsHash(output.values) === expected.hash) continue;
      // Hashed outputs: recompute the oracle's to say where and by how much they differ.
      oracle ??= (
        await clip(hostInputs, testCase.spec as never, { backend: createReferenceBackend() })
      ).gradients.reduce(
        (all, tensor, k) => Object.assign(all, { [(hostInputs[k] as NamedHostTensor).name]: tensor }),
        {} as Record<string, { values: Float32Array }>,
      );
      expectedValues = (oracle[output.name] as { values: Float32Array }).values;
    }
    if (expectedValues.length !== output.values.length) {
      fail(
        'mismatch',
        `output "${output.name}" has ${output.values.length} values, expected ${expectedValues.length}`,
      );
      continue;
    }
    if (sameFloat32Array(output.values, expectedValues)) continue;
    const ulps = maxUlpDistance(output.values, expectedValues);
    worst = Math.max(worst, ulps);
    if (ulps > backend.manifest.maxUlp) {
      const difference = firstFloat32Difference(output.values, expectedValues);
      fail(
        'mismatch',
        `output "${output.name}"[${difference?.index}] is ${fmt(difference?.actual)}, expected ${fmt(difference?.expected)} ` +
          `(${difference?.ulps} ULP; worst ${ulps} ULP; manifest allows ${backend.manifest.maxUlp})`,
      );
    }
  }
  return worst;
}

function fmt(value: number | undefined): string {
  return value === undefined ? 'undefined' : String(float32ToJson(value));
}
