import type { HostTensor } from '@gradclip/core';
import { elementCount } from '@gradclip/core/backend';

/** A named list of gradient shapes; values are generated on demand (a workload can be 0.5 GB). */
export interface Workload {
  readonly id: string;
  readonly description: string;
  readonly shapes: readonly (readonly number[])[];
}

export function workloadElements(workload: Workload): number {
  return workload.shapes.reduce((total, shape) => total + elementCount(shape), 0);
}

export function singleTensor(elements: number): Workload {
  return {
    id: `single-${elements.toExponential().replace('+', '')}`,
    description: `one tensor of ${elements}`,
    shapes: [[elements]],
  };
}

/**
 * GPT-2 small (124M parameters, 148 tensors): token embedding 50257×768 (tied with the output
 * layer), position embedding 1024×768, 12 blocks of LayerNorm, attention (qkv 768×2304 + bias,
 * projection 768×768 + bias), LayerNorm and MLP (768×3072 + bias, 3072×768 + bias), final LayerNorm.
 */
export function gpt2Small(): Workload {
  const d = 768;
  const shapes: number[][] = [
    [50257, d],
    [1024, d],
  ];
  for (let block = 0; block < 12; block++) {
    shapes.push([d], [d], [d, 3 * d], [3 * d], [d, d], [d], [d], [d], [d, 4 * d], [4 * d], [4 * d, d], [d]);
  }
  shapes.push([d], [d]);
  return { id: 'gpt2-small', description: 'GPT-2 small, 148 tensors', shapes };
}

export function manySmall(count = 5000, size = 64): Workload {
  return {
    id: `small-${count}x${size}`,
    description: `${count} tensors of ${size}`,
    shapes: Array.from({ length: count }, () => [size]),
  };
}

/** The Fashion-MNIST MLP of @gradclip/models: 784→300 (no bias)→BN→100 (no bias)→BN→10. */
export function fashionMnistMlp(): Workload {
  return {
    id: 'fashion-mnist-mlp',
    description: 'Fashion-MNIST MLP, 7 tensors',
    shapes: [[784, 300], [300], [300], [300, 100], [100], [100], [100, 10], [10]],
  };
}

export function allWorkloads(quick: boolean): Workload[] {
  const singles = (quick ? [1e3, 1e5, 1e7] : [1e3, 1e5, 1e7, 1e8]).map(singleTensor);
  // One tensor of 320,000: the same total size as the 5,000 small tensors (a target compares them).
  return [...singles, singleTensor(3.2e5), manySmall(), fashionMnistMlp(), gpt2Small()];
}

/**
 * Deterministic gradient-like values (roughly normal, scale 1e-3), fast enough for 124M floats:
 * an xorshift generator and a sum of two uniforms.
 */
export function generateGradients(workload: Workload, seed = 1): HostTensor[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  return workload.shapes.map((shape, i) => {
    const values = new Float32Array(elementCount(shape));
    for (let k = 0; k < values.length; k++) values[k] = (next() + next() - 1) * 2e-3;
    return { name: `g${i}`, shape: [...shape], values };
  });
}
