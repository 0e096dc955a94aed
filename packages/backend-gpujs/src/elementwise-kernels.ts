import { ClipError } from '@gradclip/core';
import {
  type ClampBounds,
  elementCount,
  FLOAT32_MAX,
  type ScaleRequest,
  sliceIndexOfElements,
} from '@gradclip/core/backend';
import { type Batch, bucket, MIN_BATCH, packSegments } from './batches.js';
import { type GpujsDeviceData, isDeviceData, type TensorData } from './device-tensor.js';
import type { KernelCache, KernelRecipe } from './kernel-cache.js';
import {
  clampSource,
  copySource,
  SCALE_ORDER_CODES,
  scalePerElementSource,
  scaleUniformSource,
  zeroNonFiniteSource,
} from './kernel-sources.js';
import type { StagingBuffers } from './staging-buffers.js';

export interface ElementwiseContext {
  readonly cache: KernelCache;
  readonly staging: StagingBuffers;
  readonly id: string;
  /**
   * The engine flushes subnormals (headlessgl on llvmpipe): a subnormal multiplier is passed as
   * m·2^64 and the product multiplied by 2^-64 (exact while the result is normal, and a subnormal
   * result is flushed anyway). Off elsewhere, where it would round twice.
   */
  readonly flushesSubnormals: boolean;
  /** Pipeline outputs this backend made: the only device data `release` may delete. */
  readonly created: WeakSet<object>;
}

const SMALLEST_NORMAL = 2 ** -126;
const LIFT = 2 ** 64;

/** The multiplier and the power of two that undoes its lift. */
function liftMultiplier(context: ElementwiseContext, multiplier: number): [number, number] {
  if (context.flushesSubnormals && multiplier !== 0 && Math.abs(multiplier) < SMALLEST_NORMAL) {
    return [multiplier * LIFT, 1 / LIFT];
  }
  return [multiplier, 1];
}

const clampRecipe: KernelRecipe = {
  name: 'clamp',
  source: clampSource,
  constants: { largest: FLOAT32_MAX },
};
const zeroRecipe: KernelRecipe = {
  name: 'zero-non-finite',
  source: zeroNonFiniteSource,
  constants: { largest: FLOAT32_MAX },
};

const copyRecipe: KernelRecipe = { name: 'copy', source: copySource, constants: {} };

/**
 * Runs an element-wise kernel over tensors: host arrays packed into batches, device data one
 * tensor per run with a pipeline output, so it stays on the device. `extraArguments` gives the
 * arguments after the values for one batch. Returns new arrays or new device data.
 */
async function mapTensors(
  context: ElementwiseContext,
  tensors: readonly TensorData[],
  recipe: KernelRecipe,
  extraArguments: (batch: Batch, size: number) => (Float32Array | number)[],
): Promise<TensorData[]> {
  const outputs: TensorData[] = tensors.map((data) =>
    isDeviceData(data) ? data : new Float32Array(data.length),
  );
  for (const [segment, data] of tensors.entries()) {
    if (!isDeviceData(data)) continue;
    const length = elementCount(data.output);
    const batch: Batch = { elements: length, pieces: [{ segment, from: 0, length, at: 0 }], chunks: [] };
    outputs[segment] = await runOnDevice(context, recipe, length, [
      data as never,
      ...extraArguments(batch, bucket(length, MIN_BATCH)),
    ]);
  }
  const hostLengths = tensors.map((data) => (isDeviceData(data) ? 0 : data.length));
  for (const batch of packSegments(hostLengths)) {
    const size = bucket(batch.elements, MIN_BATCH);
    const values = context.staging.get('values', size);
    for (const piece of batch.pieces) {
      values.set(
        (tensors[piece.segment] as Float32Array).subarray(piece.from, piece.from + piece.length),
        piece.at,
      );
    }
    const result = await context.cache.run(recipe, [size], [values, ...extraArguments(batch, size)]);
    if (!(result instanceof Float32Array) || result.length < batch.elements) {
      throw new ClipError(
        'BACKEND_CONTRACT',
        `${context.id}: kernel "${recipe.name}" returned no flat float32 output`,
        {
          field: 'kernel output',
          value: Array.isArray(result) ? `${result.length} rows` : result,
          expected: `a Float32Array of ${size} values`,
        },
      );
    }
    for (const piece of batch.pieces) {
      (outputs[piece.segment] as Float32Array).set(
        result.subarray(piece.at, piece.at + piece.length),
        piece.from,
      );
    }
  }
  return outputs;
}

/** One kernel run whose output stays on the device; checks that gpu.js really kept it there. */
async function runOnDevice(
  context: ElementwiseContext,
  recipe: KernelRecipe,
  length: number,
  args: readonly (TensorData | number)[],
): Promise<GpujsDeviceData> {
  const result = (await context.cache.run(recipe, [length], args as never, { pipeline: true })) as unknown;
  if (
    result instanceof Float32Array ||
    Array.isArray(result) ||
    typeof result !== 'object' ||
    result === null
  ) {
    throw new ClipError(
      'BACKEND_CONTRACT',
      `${context.id}: kernel "${recipe.name}" gave no pipeline output`,
      {
        field: 'kernel output',
        value: result instanceof Float32Array ? 'Float32Array' : result,
        expected: 'a gpu.js texture or buffer that stays on the device',
      },
    );
  }
  context.created.add(result);
  return result as GpujsDeviceData;
}

/** Copies host values into a new pipeline output (headlessgl: a texture; webgpu: a storage buffer). */
export function uploadToDevice(context: ElementwiseContext, values: Float32Array): Promise<GpujsDeviceData> {
  return runOnDevice(context, copyRecipe, values.length, [values]);
}

/** Gathers `values[order[i]]` into a new pipeline output (the order holds float32-exact indices). */
export function gatherOnDevice(
  context: ElementwiseContext,
  recipe: KernelRecipe,
  data: GpujsDeviceData,
  order: Float32Array,
  length: number,
): Promise<GpujsDeviceData> {
  return runOnDevice(context, recipe, length, [data, order]);
}

export function clampTensors(
  context: ElementwiseContext,
  tensors: readonly TensorData[],
  bounds: ClampBounds,
): Promise<TensorData[]> {
  // An infinite bound never applies; flags keep ±∞ out of the kernels' uniforms.
  const useLow = bounds.min > Number.NEGATIVE_INFINITY ? 1 : 0;
  const useHigh = bounds.max < Number.POSITIVE_INFINITY ? 1 : 0;
  const low = useLow ? bounds.min : 0;
  const high = useHigh ? bounds.max : 0;
  return mapTensors(context, tensors, clampRecipe, () => [low, high, useLow, useHigh]);
}

export function zeroNonFiniteTensors(
  context: ElementwiseContext,
  tensors: readonly TensorData[],
): Promise<TensorData[]> {
  return mapTensors(context, tensors, zeroRecipe, () => []);
}

/**
 * Scales tensors grouped by order. When every tensor of a group has one slice and the same factors
 * (global norm, the common case), the factors are uniforms; otherwise each element gets its slice's
 * factors from per-element arrays filled by the host.
 */
export async function scaleTensors(
  context: ElementwiseContext,
  tensors: readonly TensorData[],
  requests: readonly ScaleRequest[],
): Promise<TensorData[]> {
  const outputs: TensorData[] = new Array(tensors.length);
  const orders = [...new Set(requests.map((request) => request.order))];
  for (const order of orders) {
    const members = requests.flatMap((request, i) => (request.order === order ? [i] : []));
    const code = SCALE_ORDER_CODES[order];
    const memberTensors = members.map((i) => tensors[i] as TensorData);
    const memberRequests = members.map((i) => requests[i] as ScaleRequest);
    const first = memberRequests[0] as ScaleRequest;
    const multiplier = first.multipliers[0];
    const divisor = first.divisors?.[0] ?? 1;
    const uniform =
      multiplier !== undefined &&
      memberRequests.every(
        (request) =>
          request.layout.axes === null &&
          Object.is(request.multipliers[0], multiplier) &&
          Object.is(request.divisors?.[0] ?? 1, divisor),
      );
    let results: TensorData[];
    if (uniform) {
      const recipe: KernelRecipe = {
        name: `scale-uniform-${code}`,
        source: scaleUniformSource,
        constants: { order: code },
      };
      const [lifted, post] = liftMultiplier(context, multiplier);
      results = await mapTensors(context, memberTensors, recipe, () => [lifted, divisor, post]);
    } else {
      const recipe: KernelRecipe = {
        name: `scale-per-element-${code}`,
        source: scalePerElementSource,
        constants: { order: code },
      };
      const sliceMaps = memberRequests.map((request) => sliceIndexOfElements(request.layout));
      results = await mapTensors(context, memberTensors, recipe, (batch, size) => {
        const multipliers = context.staging.get('multipliers', size);
        const divisors = context.staging.get('divisors', size);
        const posts = context.staging.get('posts', size);
        for (const piece of batch.pieces) {
          const request = memberRequests[piece.segment] as ScaleRequest;
          const sliceOf = sliceMaps[piece.segment];
          for (let k = 0; k < piece.length; k++) {
            const slice = sliceOf === undefined ? 0 : (sliceOf[piece.from + k] as number);
            const [lifted, post] = liftMultiplier(context, request.multipliers[slice] as number);
            multipliers[piece.at + k] = lifted;
            posts[piece.at + k] = post;
            divisors[piece.at + k] = request.divisors?.[slice] ?? 1;
          }
        }
        return [multipliers, divisors, posts];
      });
    }
    members.forEach((i, k) => {
      outputs[i] = results[k] as TensorData;
    });
  }
  return outputs;
}
