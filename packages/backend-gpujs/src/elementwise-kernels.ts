import { type ClampBounds, ClipError, type ScaleRequest, sliceIndexOfElements } from '@gradclip/core';
import { type Batch, bucket, MIN_BATCH, packSegments } from './batches.js';
import type { KernelCache, KernelRecipe } from './kernel-cache.js';
import {
  clampSource,
  SCALE_ORDER_CODES,
  scalePerElementSource,
  scaleUniformSource,
  zeroNonFiniteSource,
} from './kernel-sources.js';
import type { StagingBuffers } from './staging-buffers.js';

const FLOAT32_LARGEST = 3.4028234663852886e38;

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
  constants: { largest: FLOAT32_LARGEST },
};
const zeroRecipe: KernelRecipe = {
  name: 'zero-non-finite',
  source: zeroNonFiniteSource,
  constants: { largest: FLOAT32_LARGEST },
};

/**
 * Runs an element-wise kernel over tensors packed into batches; `extraArguments` gives the
 * arguments after the values for one batch. Returns new arrays.
 */
async function mapTensors(
  context: ElementwiseContext,
  tensors: readonly Float32Array[],
  recipe: KernelRecipe,
  extraArguments: (batch: Batch, size: number) => (Float32Array | number)[],
): Promise<Float32Array[]> {
  const outputs = tensors.map((values) => new Float32Array(values.length));
  for (const batch of packSegments(tensors.map((values) => values.length))) {
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

export function clampTensors(
  context: ElementwiseContext,
  tensors: readonly Float32Array[],
  bounds: ClampBounds,
): Promise<Float32Array[]> {
  // An infinite bound never applies; flags keep ±∞ out of the kernels' uniforms.
  const useLow = bounds.min > Number.NEGATIVE_INFINITY ? 1 : 0;
  const useHigh = bounds.max < Number.POSITIVE_INFINITY ? 1 : 0;
  const low = useLow ? bounds.min : 0;
  const high = useHigh ? bounds.max : 0;
  return mapTensors(context, tensors, clampRecipe, () => [low, high, useLow, useHigh]);
}

export function zeroNonFiniteTensors(
  context: ElementwiseContext,
  tensors: readonly Float32Array[],
): Promise<Float32Array[]> {
  return mapTensors(context, tensors, zeroRecipe, () => []);
}

/**
 * Scales tensors grouped by order. When every tensor of a group has one slice and the same factors
 * (global norm, the common case), the factors are uniforms; otherwise each element gets its slice's
 * factors from per-element arrays filled by the host.
 */
export async function scaleTensors(
  context: ElementwiseContext,
  tensors: readonly Float32Array[],
  requests: readonly ScaleRequest[],
): Promise<Float32Array[]> {
  const outputs: Float32Array[] = new Array(tensors.length);
  const orders = [...new Set(requests.map((request) => request.order))];
  for (const order of orders) {
    const members = requests.flatMap((request, i) => (request.order === order ? [i] : []));
    const code = SCALE_ORDER_CODES[order];
    const memberTensors = members.map((i) => tensors[i] as Float32Array);
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
    let results: Float32Array[];
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
      outputs[i] = results[k] as Float32Array;
    });
  }
  return outputs;
}
