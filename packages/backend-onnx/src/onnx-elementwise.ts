/** `scale`, `clamp` and `zeroNonFinite` on ONNX Runtime: element-wise graphs over batches of tensors. */
import { ClipError } from '@gradclip/core';
import type { ClampBounds, ScaleRequest, SliceLayout } from '@gradclip/core/backend';
import { formOf, type GraphRunner } from './graph-runner.js';
import type { TensorForm } from './kernel-graphs.js';
import type { OrtTensor } from './ort-module.js';

export async function scaleTensors(
  runner: GraphRunner,
  tensors: readonly OrtTensor[],
  requests: readonly ScaleRequest[],
): Promise<OrtTensor[]> {
  const orders = new Set(requests.map((request) => request.order));
  // One graph per order: tensors of one call almost always share it.
  const byOrder = [...orders].map(async (order) => {
    const members = requests.flatMap((request, i) => (request.order === order ? [i] : []));
    const scaled = await runner.elementWise(
      members.map((i) => tensors[i] as OrtTensor),
      async (indices) => {
        const forms = indices.map((k) => formOf((requests[members[k] as number] as ScaleRequest).layout));
        const feeds: Record<string, OrtTensor> = {};
        indices.forEach((k, j) => {
          const i = members[k] as number;
          const request = requests[i] as ScaleRequest;
          const form = forms[j] as TensorForm;
          feeds[`x${j}`] = runner.feedOf(tensors[i] as OrtTensor, form);
          const factorDims = factorShape(request.layout);
          feeds[`m${j}`] = runner.tensor(request.multipliers, factorDims);
          if (order !== 'multiply') {
            if (request.divisors === undefined) {
              throw new ClipError(
                'BACKEND_CONTRACT',
                `scale: order "${order}" needs divisors for tensor ${i}`,
              );
            }
            feeds[`d${j}`] = runner.tensor(request.divisors, factorDims);
          }
        });
        return runner.run({ kernel: 'scale', order, forms }, feeds);
      },
    );
    return { members, scaled };
  });
  const outputs: OrtTensor[] = new Array(tensors.length);
  for (const { members, scaled } of await Promise.all(byOrder)) {
    members.forEach((i, k) => {
      outputs[i] = scaled[k] as OrtTensor;
    });
  }
  return outputs;
}

export async function clampTensors(
  runner: GraphRunner,
  tensors: readonly OrtTensor[],
  bounds: ClampBounds,
): Promise<OrtTensor[]> {
  return runner.elementWise(tensors, (indices) => {
    const negativeZero = { min: Object.is(bounds.min, -0), max: Object.is(bounds.max, -0) };
    // -0 bounds travel as +0 (a Float32Array keeps -0; the graph restores the sign).
    const feeds: Record<string, OrtTensor> = {
      lo: runner.tensor(new Float32Array([negativeZero.min ? 0 : bounds.min]), []),
      hi: runner.tensor(new Float32Array([negativeZero.max ? 0 : bounds.max]), []),
    };
    indices.forEach((i, k) => {
      feeds[`x${k}`] = runner.feedOf(tensors[i] as OrtTensor, { kind: 'flat' });
    });
    return runner.run({ kernel: 'clamp', count: indices.length, negativeZero }, feeds);
  });
}

export async function zeroNonFiniteTensors(
  runner: GraphRunner,
  tensors: readonly OrtTensor[],
): Promise<OrtTensor[]> {
  return runner.elementWise(tensors, (indices) => {
    const feeds: Record<string, OrtTensor> = {};
    indices.forEach((i, k) => {
      feeds[`x${k}`] = runner.feedOf(tensors[i] as OrtTensor, { kind: 'flat' });
    });
    return runner.run({ kernel: 'zeroNonFinite', count: indices.length }, feeds);
  });
}

/** Per-slice factors shaped to broadcast: kept axes keep their size, reduced axes become 1. */
function factorShape(layout: SliceLayout): number[] {
  if (layout.axes === null) return [1];
  const { axes } = layout;
  return layout.shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
}
