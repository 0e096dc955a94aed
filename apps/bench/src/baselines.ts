import type { HostTensor } from '@gradclip/core';

/**
 * The two yardsticks measured in the same run as every backend, so that ratios mean something on
 * a noisy machine. Both write into buffers allocated once, outside the timing.
 */
export interface Baseline {
  readonly id: 'js-float64-loop' | 'memcpy-probe';
  readonly description: string;
  run(): void;
}

/** Global-norm clipping (p = 2) as a plain JavaScript loop with a float64 accumulator. */
export function jsFloat64Loop(gradients: readonly HostTensor[], maxNorm: number): Baseline {
  const outputs = gradients.map((tensor) => new Float32Array(tensor.values.length));
  return {
    id: 'js-float64-loop',
    description: 'plain JS: Σg² in a float64, then out = g·fround(maxNorm/‖g‖)',
    run() {
      let sum = 0;
      for (const tensor of gradients) {
        const values = tensor.values;
        for (let i = 0; i < values.length; i++) {
          const g = values[i] as number;
          sum += g * g;
        }
      }
      const scale = Math.fround(maxNorm / Math.sqrt(sum));
      gradients.forEach((tensor, t) => {
        const values = tensor.values;
        const out = outputs[t] as Float32Array;
        for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) * scale;
      });
    },
  };
}

/** `Float32Array.prototype.set` of the same bytes: memcpy speed, the machine's bandwidth. */
export function memcpyProbe(gradients: readonly HostTensor[]): Baseline {
  const outputs = gradients.map((tensor) => new Float32Array(tensor.values.length));
  return {
    id: 'memcpy-probe',
    description: 'Float32Array#set of every tensor (reads 4 and writes 4 bytes per element)',
    run() {
      gradients.forEach((tensor, t) => {
        (outputs[t] as Float32Array).set(tensor.values);
      });
    },
  };
}
