/**
 * The element-wise kernel calls of the wasm backend: scale, clamp (fused with the p = 2 summary of
 * its outputs, see clamp-summaries.ts) and zeroNonFinite, into new tensors or in place.
 */
import type { ClampBounds, ScaleRequest, TensorSummary } from '@gradclip/core/backend';
import { scaleValues } from '@gradclip/core/reference';
import { type Job, jobCount, SCALE_ORDER_CODE } from './job-list.js';
import type { KernelContext } from './kernel-context.js';
import type { Region } from './live-tensors.js';
import { jobSummary } from './summarize-kernels.js';
import type { KernelOperation } from './thread-pool.js';
import type { WasmTensor } from './wasm-tensor.js';

export function scaleTensors(
  context: KernelContext,
  tensors: readonly WasmTensor[],
  requests: readonly ScaleRequest[],
  inPlace: boolean,
): WasmTensor[] {
  context.clampSummaries.clear();
  const outputs: WasmTensor[] = [];
  const jobs: Job[] = [];
  const seen = new Set<Region>();
  tensors.forEach((tensor, i) => {
    const region = context.tensors.check(tensor, `tensors[${i}]`);
    const request = requests[i];
    if (request === undefined) throw new Error(`scale: no request for tensor ${i}`);
    if (inPlace && seen.has(region)) {
      // The same tensor twice (tied weights): it counted twice in the norm, like on every
      // backend, but its buffer is scaled once. Its requests are equal: same values, same norm.
      outputs.push(tensor);
      return;
    }
    seen.add(region);
    const output = inPlace ? tensor : context.tensors.allocate(region.shape, tensor.name);
    const target = context.tensors.regionOf(output).values;
    outputs.push(output);
    if (request.layout.sliceCount !== 1) {
      target.set(scaleValues(region.values, request));
      return;
    }
    if (request.order !== 'multiply' && request.divisors === undefined) {
      throw new Error(`scale: order "${request.order}" needs divisors`);
    }
    jobs.push({
      source: region.values.byteOffset,
      destination: target.byteOffset,
      length: region.values.length,
      order: SCALE_ORDER_CODE[request.order],
      multiplier: request.multipliers[0] as number,
      divisor: request.divisors?.[0] ?? 1,
    });
  });
  // Last tensors first: they are the ones summarize left in the cache.
  context.jobs.run({ kind: 'scale' }, jobs, true);
  return outputs;
}

export function clampTensors(
  context: KernelContext,
  tensors: readonly WasmTensor[],
  bounds: ClampBounds,
  inPlace: boolean,
): WasmTensor[] {
  const operation = { kind: 'clampSummarize', min: bounds.min, max: bounds.max } as const;
  const { outputs, base, jobs } = elementwise(context, tensors, operation, inPlace);
  // The outputs' summaries (p = 2), computed by the same pass: see clamp-summaries.ts.
  // Jobs were written last tensor first (JobRunner.run with reverse), each tensor's chunks reversed.
  const summaries = new WeakMap<WasmTensor, TensorSummary>();
  let index = 0;
  for (let k = jobs.length - 1; k >= 0; k--) {
    const output = jobs[k] as WasmTensor;
    summaries.set(output, jobSummary(context.jobs.view(), base, index, 2, output.values));
    index += jobCount(output.values.length);
  }
  context.clampSummaries.keep(summaries);
  return outputs;
}

export function zeroNonFiniteTensors(
  context: KernelContext,
  tensors: readonly WasmTensor[],
  inPlace: boolean,
): WasmTensor[] {
  return elementwise(context, tensors, { kind: 'zeroNonFinite' }, inPlace).outputs;
}

/** Runs an element-wise kernel; returns the outputs, the job records' offset and each job's output. */
function elementwise(
  context: KernelContext,
  tensors: readonly WasmTensor[],
  operation: KernelOperation,
  inPlace: boolean,
): { outputs: WasmTensor[]; base: number; jobs: WasmTensor[] } {
  context.clampSummaries.clear();
  const regions = tensors.map((tensor, i) => context.tensors.check(tensor, `tensors[${i}]`));
  const outputs = tensors.map((tensor, i) => {
    const region = regions[i] as Region;
    return inPlace ? tensor : context.tensors.allocate(region.shape, tensor.name);
  });
  const jobs: Job[] = [];
  const owners: WasmTensor[] = [];
  const seen = new Set<Region>();
  regions.forEach((region, i) => {
    // In place, a tensor listed twice is one buffer: two jobs would race on it.
    if (inPlace && seen.has(region)) return;
    seen.add(region);
    const output = outputs[i] as WasmTensor;
    owners.push(output);
    jobs.push({
      source: region.values.byteOffset,
      destination: context.tensors.regionOf(output).values.byteOffset,
      length: region.values.length,
    });
  });
  // Last tensors first: they are the ones summarize left in the cache.
  const base = context.jobs.run(operation, jobs, true);
  return { outputs, base, jobs: owners };
}
