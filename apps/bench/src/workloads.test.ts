import { describe, expect, it } from 'vitest';
import {
  allWorkloads,
  fashionMnistMlp,
  generateGradients,
  gpt2Small,
  manySmall,
  singleTensor,
  workloadElements,
} from './workloads.js';

describe('workloads', () => {
  it('GPT-2 small has 148 tensors and 124,439,808 parameters', () => {
    const gpt2 = gpt2Small();
    expect(gpt2.shapes).toHaveLength(148);
    expect(workloadElements(gpt2)).toBe(124_439_808);
    expect(gpt2.shapes[0]).toEqual([50257, 768]);
  });

  it('the Fashion-MNIST MLP has the models package’s 266,200 trainable parameters', () => {
    expect(workloadElements(fashionMnistMlp())).toBe(784 * 300 + 600 + 300 * 100 + 200 + 100 * 10 + 10);
  });

  it('many small tensors: 5,000 of 64', () => {
    const small = manySmall();
    expect(small.shapes).toHaveLength(5000);
    expect(workloadElements(small)).toBe(320_000);
  });

  it('quick mode drops only the 1e8 tensor', () => {
    const ids = (quick: boolean) => allWorkloads(quick).map((workload) => workload.id);
    expect(ids(false)).toContain(singleTensor(1e8).id);
    expect(ids(true)).not.toContain(singleTensor(1e8).id);
    expect(ids(true)).toContain('gpt2-small');
  });

  it('generates the same gradient-like values for the same seed, different ones for another', () => {
    const workload = singleTensor(1000);
    const [a] = generateGradients(workload, 3);
    const [b] = generateGradients(workload, 3);
    const [c] = generateGradients(workload, 4);
    expect(a?.values).toEqual(b?.values);
    expect(a?.values).not.toEqual(c?.values);
    const values = a?.values ?? new Float32Array();
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(2e-3);
    expect(values.some((value) => value < 0) && values.some((value) => value > 0)).toBe(true);
  });
});
