/**
 * Running kernel graphs: one cached `InferenceSession` per graph, tensors in batches of at most
 * `maxTensorsPerRun`, feeds shaped as each graph takes them, and outputs read back by name.
 */
import { ClipError } from '@gradclip/core';
import type { SliceLayout } from '@gradclip/core/backend';
import { buildKernelGraph, graphKey, type KernelGraph, type TensorForm } from './kernel-graphs.js';
import type { OrtModule, OrtTensor } from './ort-module.js';
import type { SessionCache } from './session-cache.js';

export class GraphRunner {
  constructor(
    private readonly ort: OrtModule,
    private readonly sessions: SessionCache,
    private readonly maxTensorsPerRun: number,
  ) {}

  tensor(values: Float32Array, dims: readonly number[]): OrtTensor {
    return new this.ort.Tensor('float32', values, [...dims]);
  }

  axesTensor(axes: readonly number[]): OrtTensor {
    return new this.ort.Tensor(
      'int64',
      BigInt64Array.from(axes, (axis) => BigInt(axis)),
      [axes.length],
    );
  }

  /** A tensor as a graph takes it: flattened for whole-tensor work, with its shape for slices. */
  feedOf(input: OrtTensor, form: TensorForm): OrtTensor {
    return form.kind === 'flat' ? this.tensor(dataOf(input), [input.size]) : input;
  }

  /** Runs `run` once per batch of at most `maxTensorsPerRun` tensors. */
  async batched<R>(count: number, run: (start: number, end: number) => Promise<R[]>): Promise<R[]> {
    const batches: Promise<R[]>[] = [];
    for (let start = 0; start < count; start += this.maxTensorsPerRun) {
      batches.push(run(start, Math.min(count, start + this.maxTensorsPerRun)));
    }
    return (await Promise.all(batches)).flat();
  }

  async run(graph: KernelGraph, feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> {
    const session = await this.sessions.get(graphKey(graph), () => buildKernelGraph(graph));
    return (await session.run(feeds)) as Record<string, OrtTensor>;
  }

  /** Runs an element-wise graph over non-empty tensors; empty ones come back as new empty tensors. */
  async elementWise(
    tensors: readonly OrtTensor[],
    run: (indices: readonly number[]) => Promise<Record<string, OrtTensor>>,
  ): Promise<OrtTensor[]> {
    const results: (OrtTensor | undefined)[] = tensors.map((input) =>
      input.size === 0 ? this.tensor(new Float32Array(0), input.dims) : undefined,
    );
    const pending = tensors.map((_, i) => i).filter((i) => results[i] === undefined);
    const computed = await this.batched(pending.length, async (start, end) => {
      const indices = pending.slice(start, end);
      const outputs = await run(indices);
      // Outputs are fresh buffers; give them back their caller's shape (a view, no copy).
      return indices.map((i, k) =>
        this.tensor(outputData(outputs, `y${k}`) as Float32Array, (tensors[i] as OrtTensor).dims),
      );
    });
    pending.forEach((i, k) => {
      results[i] = computed[k];
    });
    return results as OrtTensor[];
  }
}

export function formOf(layout: SliceLayout): TensorForm {
  return layout.axes === null ? { kind: 'flat' } : { kind: 'ranked', rank: layout.shape.length };
}

export function layoutAt(layouts: readonly SliceLayout[], i: number): SliceLayout {
  const layout = layouts[i];
  if (layout === undefined) throw new ClipError('BACKEND_CONTRACT', `summarize: no layout for tensor ${i}`);
  return layout;
}

export function dataOf(input: OrtTensor): Float32Array {
  return input.data as Float32Array;
}

function outputOf(outputs: Record<string, OrtTensor>, name: string): OrtTensor {
  const output = outputs[name];
  if (output === undefined) throw new Error(`internal: the graph has no output "${name}"`);
  return output;
}

/** A float32 or float64 output's values. */
export function outputData(outputs: Record<string, OrtTensor>, name: string): Float32Array | Float64Array {
  return outputOf(outputs, name).data as Float32Array | Float64Array;
}

/** A scalar output (float or int64) as a number. */
export function outputValue(outputs: Record<string, OrtTensor>, name: string): number {
  const value = (outputOf(outputs, name).data as Float32Array | BigInt64Array)[0];
  if (value === undefined) throw new Error(`internal: output "${name}" is empty`);
  return Number(value);
}
