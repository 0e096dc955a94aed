import { ClipError } from './errors.js';

/**
 * How a tensor is cut into slices for a norm: one slice for the whole tensor (`axes: null`), or,
 * with `axes`, one slice per index of the remaining (kept) axes, as in `tf.clip_by_norm(t, c, axes)`.
 * Slices are numbered in row-major order of the kept axes.
 */
export interface SliceLayout {
  readonly shape: readonly number[];
  /** Reduced axes, normalised (non-negative) and sorted; `null` reduces the whole tensor. */
  readonly axes: readonly number[] | null;
  readonly sliceCount: number;
  readonly size: number;
}

export function elementCount(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

export function wholeTensorLayout(shape: readonly number[]): SliceLayout {
  return { shape, axes: null, sliceCount: 1, size: elementCount(shape) };
}

/** Resolves `axes` (negative counts from the end) against a shape; `field` names the tensor in errors. */
export function sliceLayout(
  shape: readonly number[],
  axes: readonly number[] | undefined,
  field: string,
): SliceLayout {
  if (axes === undefined) return wholeTensorLayout(shape);
  const rank = shape.length;
  const sorted = normalizeAxes(axes, shape, field);
  if (sorted.length === rank) return wholeTensorLayout(shape);
  let sliceCount = 1;
  shape.forEach((dim, axis) => {
    if (!sorted.includes(axis)) sliceCount *= dim;
  });
  return { shape, axes: sorted, sliceCount, size: elementCount(shape) };
}

/**
 * The slice number of every element, in flat row-major order. Host backends use it to reduce and
 * scale by slice; `undefined` for a whole-tensor layout (every element is in slice 0).
 */
export function sliceIndexOfElements(layout: SliceLayout): Int32Array | undefined {
  if (layout.axes === null) return undefined;
  const { shape, axes } = layout;
  const rank = shape.length;
  // Stride of each axis in slice numbering: 0 for reduced axes, row-major over kept axes.
  const sliceStride = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let axis = rank - 1; axis >= 0; axis--) {
    if (!axes.includes(axis)) {
      sliceStride[axis] = stride;
      stride *= shape[axis] as number;
    }
  }
  const map = new Int32Array(layout.size);
  const index = new Array<number>(rank).fill(0);
  let slice = 0;
  for (let i = 0; i < layout.size; i++) {
    map[i] = slice;
    // Odometer increment of the multi-index, keeping the slice number in step.
    for (let axis = rank - 1; axis >= 0; axis--) {
      const next = (index[axis] as number) + 1;
      if (next < (shape[axis] as number)) {
        index[axis] = next;
        slice += sliceStride[axis] as number;
        break;
      }
      slice -= (index[axis] as number) * (sliceStride[axis] as number);
      index[axis] = 0;
    }
  }
  return map;
}

/** The multi-index of a flat row-major index, for error messages. */
export function multiIndex(shape: readonly number[], flat: number): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis] as number;
    index[axis] = rest % dim;
    rest = Math.floor(rest / dim);
  }
  return index;
}

/**
 * Axes resolved against a shape: negative axes count from the end; an axis out of range or named
 * twice is `ClipError('SHAPE_MISMATCH')`. Sorted ascending. The one rule for every consumer of
 * `axes` (the strategies here, the ONNX graph export).
 */
export function normalizeAxes(
  axes: readonly number[],
  shape: readonly (number | string)[],
  field: string,
): number[] {
  const rank = shape.length;
  const normalised = axes.map((axis) => {
    const resolved = axis < 0 ? axis + rank : axis;
    if (resolved < 0 || resolved >= rank) {
      throw new ClipError(
        'SHAPE_MISMATCH',
        `${field}: axis ${axis} does not exist in a tensor of shape [${shape.join(', ')}]; expected axes in [${-rank}, ${rank - 1}]`,
        { field, value: axis, expected: `an axis in [${-rank}, ${rank - 1}]` },
      );
    }
    return resolved;
  });
  const sorted = [...new Set(normalised)].sort((a, b) => a - b);
  if (sorted.length !== normalised.length) {
    throw new ClipError('SHAPE_MISMATCH', `${field}: axes [${axes.join(', ')}] name the same axis twice`, {
      field,
      value: axes,
      expected: 'each axis at most once',
    });
  }
  return sorted;
}
