/**
 * The kit's invariants, checked from the data itself, independent of the expected vectors: an
 * unclipped call returns its inputs, clipped norms stay within the threshold, value clips stay in
 * range, and a norm clip keeps each group's direction.
 */

import { sameFloat32Array } from '../float32.js';
import type { NamedHostTensor } from '../gradient-json.js';
import type { ClipReport } from '../report.js';
import type { ResolvedSpec } from '../spec.js';
import type { RecordFailure } from './check-case.js';

/** A clipped norm may exceed the threshold by the float32 rounding of the scale and of each element. */
const BOUND_SLACK = 2 ** -21;

export function checkInvariants(
  spec: ResolvedSpec,
  inputs: readonly NamedHostTensor[],
  outputs: readonly NamedHostTensor[],
  report: ClipReport,
  fail: RecordFailure,
): void {
  if (!report.clipped) {
    const changed = outputs.find(
      (output, i) => !sameFloat32Array(output.values, (inputs[i] as NamedHostTensor).values),
    );
    if (changed)
      fail('identity-broken', `report.clipped is false, but output "${changed.name}" differs from its input`);
    return;
  }
  if (report.nonFiniteCount > 0 || spec.kind === 'chain') return;
  if (spec.kind === 'value') {
    const min = Math.fround(spec.min);
    const max = Math.fround(spec.max);
    for (const output of outputs) {
      const bad = output.values.findIndex((value) => value < min || value > max);
      if (bad >= 0)
        fail(
          'norm-exceeds-bound',
          `value clip left "${output.name}"[${bad}] = ${output.values[bad]} outside [${min}, ${max}]`,
        );
    }
    return;
  }
  // The adaptive kinds' thresholds come from state; their sequences are checked against fixtures.
  if (spec.kind !== 'norm' && spec.kind !== 'globalNorm') return;
  const groups = spec.kind === 'globalNorm' ? [outputs.map((_, i) => i)] : outputs.map((_, i) => [i]);
  for (const group of groups) {
    // Per-slice norms with axes are checked through the values; the whole-tensor bound still holds per slice.
    if (spec.kind === 'norm' && spec.axes !== undefined) break;
    const arrays = group.map((i) => (outputs[i] as NamedHostTensor).values);
    // Relative slack for the roundings, plus each element's absolute rounding in the subnormal range.
    const count = arrays.reduce((total, values) => total + values.length, 0);
    // A scale below 2^-126 is a subnormal float32 with an absolute rounding of its own.
    const bound =
      spec.maxNorm * (1 + BOUND_SLACK) + count ** (1 / spec.p) * 2 ** -149 + report.normBefore * 2 ** -149;
    const norm = pNorm(arrays, spec.p);
    if (norm > bound) {
      const names = group.map((i) => (outputs[i] as NamedHostTensor).name).join(', ');
      fail(
        'norm-exceeds-bound',
        `after clipping, the ${spec.p}-norm of ${names} is ${norm}, above maxNorm ${spec.maxNorm}`,
      );
    }
    checkDirection(
      group.map((i) => inputs[i] as NamedHostTensor),
      group.map((i) => outputs[i] as NamedHostTensor),
      fail,
    );
  }
  if (spec.compat === 'exact' && spec.kind === 'globalNorm') {
    const before = pNorm(
      inputs.map((input) => input.values),
      spec.p,
    );
    if (before < spec.maxNorm * (1 - 1e-12)) {
      fail(
        'identity-broken',
        `the input's norm ${before} is below maxNorm ${spec.maxNorm}, yet the gradients were changed`,
      );
    }
  }
}

/** All elements of a group scaled by one non-negative factor (up to float32 rounding). */
function checkDirection(
  inputs: readonly NamedHostTensor[],
  outputs: readonly NamedHostTensor[],
  fail: RecordFailure,
): void {
  let reference: { ratio: number; magnitude: number } | undefined;
  for (const input of inputs) {
    input.values.forEach((g, k) => {
      const magnitude = Math.abs(g);
      if (
        magnitude > 1e-30 &&
        Number.isFinite(g) &&
        (reference === undefined || magnitude > reference.magnitude)
      ) {
        const output = outputs[inputs.indexOf(input)] as NamedHostTensor;
        reference = { ratio: (output.values[k] as number) / g, magnitude };
      }
    });
  }
  if (reference === undefined) return;
  const { ratio } = reference;
  for (let t = 0; t < inputs.length; t++) {
    const input = inputs[t] as NamedHostTensor;
    const output = outputs[t] as NamedHostTensor;
    for (let k = 0; k < input.values.length; k++) {
      const g = input.values[k] as number;
      const out = output.values[k] as number;
      const want = g * ratio;
      // Each side carries one float32 rounding; subnormal results only an absolute one.
      if (Math.abs(out - want) > Math.abs(want) * 2 ** -21 + 2e-45) {
        fail(
          'direction-changed',
          `"${output.name}"[${k}] = ${out}, but ${g} scaled like the rest would be ${want}`,
        );
        return;
      }
    }
  }
}

function pNorm(arrays: readonly Float32Array[], p: number): number {
  let total = 0;
  for (const values of arrays) {
    for (const value of values) {
      const magnitude = Math.abs(value);
      if (p === Number.POSITIVE_INFINITY) total = Math.max(total, magnitude);
      else total += magnitude ** p;
    }
  }
  return p === Number.POSITIVE_INFINITY ? total : total ** (1 / p);
}
