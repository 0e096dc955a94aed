/**
 * `summarize` of a call's tensors: validates the request, gives each tensor an accumulator, sends
 * host tensors through batched chunk kernels and device tensors through the kernels on the device,
 * then assembles one summary per tensor.
 */
import { ClipError } from '@gradclip/core';
import {
  type SliceLayout,
  type SummaryRequest,
  sliceIndexOfElements,
  type TensorSummary,
} from '@gradclip/core/backend';
import { isDeviceData, type TensorData } from './device-tensor.js';
import type { ElementwiseContext } from './elementwise-kernels.js';
import { summarizeOnDevice } from './summarize-device.js';
import { type Segment, sliceSegments, summarizeSegments } from './summarize-host.js';
import { TensorAccumulator } from './tensor-accumulator.js';

/**
 * `summarize` in two kernel passes per batch: per-chunk statistics, then per-chunk float-float power
 * sums of values pre-scaled by an exact power of two chosen from the chunk's max |g|. The host undoes
 * the scaling (exact) and adds the partial sums in float64 with Neumaier compensation.
 */
export async function summarizeTensors(
  context: ElementwiseContext,
  tensors: readonly TensorData[],
  request: SummaryRequest,
): Promise<TensorSummary[]> {
  const { p } = request;
  if (p !== 1 && p !== 2 && p !== Number.POSITIVE_INFINITY) {
    throw new ClipError(
      'INVALID_SPEC',
      `${context.id}: norm order p = ${p} is not supported; expected 1, 2 or "inf" (float32 kernels have no error-free power for other orders)`,
      { field: 'p', value: p, expected: '1, 2 or "inf"' },
    );
  }
  const segments: Segment[] = [];
  const accumulators = tensors.map((values, tensor) => {
    const accumulator = new TensorAccumulator(request.layouts[tensor]?.sliceCount ?? 0);
    const layout = request.layouts[tensor];
    if (layout === undefined) {
      throw new ClipError('BACKEND_CONTRACT', `${context.id}: summarize got no layout for tensor ${tensor}`, {
        field: `layouts[${tensor}]`,
        value: undefined,
        expected: 'one layout per tensor',
      });
    }
    if (isDeviceData(values)) return accumulator;
    if (layout.axes === null) segments.push({ tensor, slice: 0, values });
    else segments.push(...sliceSegments(tensor, values, sliceIndexOfElements(layout), layout.sliceCount));
    return accumulator;
  });
  await summarizeSegments(context, segments, accumulators, p);
  for (const [tensor, values] of tensors.entries()) {
    if (!isDeviceData(values)) continue;
    const layout = request.layouts[tensor] as SliceLayout;
    await summarizeOnDevice(context, values, layout, accumulators[tensor] as TensorAccumulator, p);
  }
  // With axes, chunks run in slice order, so the first non-finite index comes from the values.
  tensors.forEach((values, tensor) => {
    const accumulator = accumulators[tensor] as TensorAccumulator;
    if (isDeviceData(values)) return;
    if (request.layouts[tensor]?.axes !== null && accumulator.nonFiniteCount > 0) {
      accumulator.firstNonFiniteIndex = values.findIndex((value) => !Number.isFinite(value));
    }
  });
  return accumulators.map((accumulator, tensor) => {
    const layout = request.layouts[tensor] as SliceLayout;
    return accumulator.finish(p, layout.sliceCount === 0 ? 0 : layout.size / layout.sliceCount);
  });
}
