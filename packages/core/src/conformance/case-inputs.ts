import { float32FromJson } from '../gradient-json.js';
import { createRandom } from '../random.js';
import { elementCount } from '../slice-layout.js';
import type { CaseInput, GeneratedValues } from './case-format.js';

/** The host values of a case input. */
export function caseInputValues(input: CaseInput, field = input.name): Float32Array {
  if ('values' in input) {
    const values = new Float32Array(input.values.length);
    input.values.forEach((value, i) => {
      values[i] = float32FromJson(value, `${field}.values[${i}]`);
    });
    return values;
  }
  return generateValues(input.generate, elementCount(input.shape));
}

export function generateValues(generate: GeneratedValues, size: number): Float32Array {
  const values = new Float32Array(size);
  if (generate.kind === 'constant') return values.fill(generate.value);
  const random = createRandom(generate.seed);
  for (let i = 0; i < size; i++) values[i] = random.normal() * generate.scale;
  return values;
}
