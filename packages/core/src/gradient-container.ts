import type { ClipBackend } from './backend.js';
import { ClipError, describeValue } from './errors.js';

/** Gradients as users hold them: a list, or a name → tensor map (what TF.js `computeGradients` returns). */
export type Gradients<T> = readonly T[] | Readonly<Record<string, T>>;

/** The output container matches the input: a list gives a list, a map gives a map with the same keys. */
export type ClippedGradients<G, T> = G extends readonly unknown[] ? T[] : { [K in keyof G]: T };

export interface GradientEntry<T> {
  /** Name used in errors and reports: the map key, the tensor's own name, or `gradients[i]`. */
  readonly name: string;
  readonly tensor: T;
  readonly shape: readonly number[];
}

export interface UnpackedGradients<T> {
  readonly entries: readonly GradientEntry<T>[];
  /** Rebuilds the caller's container around new tensors (same order as `entries`). */
  repack(tensors: readonly T[]): unknown;
}

const CONTAINER_EXPECTED = 'an array of tensors or a plain object mapping names to tensors';

export function unpackGradients<T>(gradients: Gradients<T>, backend: ClipBackend<T>): UnpackedGradients<T> {
  if (Array.isArray(gradients)) {
    const list = gradients as readonly T[];
    // An index loop, not map: map skips the holes of a sparse list such as [, t], and a hole
    // is a missing gradient like undefined.
    const entries: GradientEntry<T>[] = [];
    for (let i = 0; i < list.length; i++) {
      const field = `gradients[${i}]`;
      const tensor = list[i] as T;
      checkPresent(tensor, field, !(i in list));
      const shape = shapeOf(backend, tensor, field);
      const own = backend.nameOf?.(tensor);
      entries.push({ name: own ?? field, tensor, shape });
    }
    return { entries, repack: (tensors) => [...tensors] };
  }
  if (typeof gradients !== 'object' || gradients === null) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `gradients: got ${describeValue(gradients)}, expected ${CONTAINER_EXPECTED}`,
      { field: 'gradients', value: gradients, expected: CONTAINER_EXPECTED },
    );
  }
  checkPlainObject(gradients);
  const record = gradients as Readonly<Record<string, T>>;
  const keys = Object.keys(record);
  let entries: GradientEntry<T>[];
  try {
    entries = keys.map((key) => {
      const field = `gradients[${JSON.stringify(key)}]`;
      const tensor = record[key] as T;
      checkPresent(tensor, field, false);
      return { name: key, tensor, shape: shapeOf(backend, tensor, field) };
    });
  } catch (error) {
    // A host tensor is a plain object too; "gradients["shape"] is not a tensor" would mislead.
    if (isTensor(backend, gradients as T)) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `gradients: got a single tensor, expected ${CONTAINER_EXPECTED}; wrap it in a list: [tensor]`,
        { field: 'gradients', value: gradients, expected: CONTAINER_EXPECTED },
      );
    }
    throw error;
  }
  return {
    entries,
    repack: (tensors) => Object.fromEntries(keys.map((key, i) => [key, tensors[i]])),
  };
}

/**
 * A name → tensor map must be a plain object (what TF.js `computeGradients` returns). A `Map`
 * has no own keys, so it used to clip nothing and return `{}`; a tensor passed without a list
 * would be read as a map of its fields. Anything whose prototype is not a realm's
 * `Object.prototype` (or null) is refused, naming what it is.
 */
function checkPlainObject(gradients: object): void {
  const proto: unknown = Object.getPrototypeOf(gradients);
  if (proto === null || Object.getPrototypeOf(proto) === null) return;
  const kind = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  const what = typeof kind === 'string' && kind !== '' ? `a ${kind}` : 'an object with a prototype';
  const hint =
    gradients instanceof Map
      ? '; convert it with Object.fromEntries(map) (names as keys)'
      : '; wrap a single tensor in a list: [tensor]';
  throw new ClipError('INVALID_GRADIENTS', `gradients: got ${what}, expected ${CONTAINER_EXPECTED}${hint}`, {
    field: 'gradients',
    value: gradients,
    expected: CONTAINER_EXPECTED,
  });
}

function isTensor<T>(backend: ClipBackend<T>, value: T): boolean {
  try {
    backend.shapeOf(value, 'gradients');
    return true;
  } catch {
    return false;
  }
}

function checkPresent(tensor: unknown, field: string, hole: boolean): void {
  // PyTorch and Keras skip None gradients silently; a missing gradient here is a caller bug.
  if (hole || tensor === null || tensor === undefined) {
    const got = hole ? 'a hole in a sparse array' : describeValue(tensor);
    throw new ClipError('INVALID_GRADIENTS', `${field}: got ${got}, expected a tensor`, {
      field,
      value: tensor,
      expected: 'a tensor',
    });
  }
}

/**
 * The backend's `shapeOf` must reject values it does not accept with a typed error; one that
 * trips over a value instead (a TypeError reading a field of null, say) still means "not a
 * tensor of this backend", so the caller gets `INVALID_GRADIENTS` with the original as `cause`.
 */
function shapeOf<T>(backend: ClipBackend<T>, tensor: T, field: string): readonly number[] {
  try {
    return backend.shapeOf(tensor, field);
  } catch (error) {
    if (error instanceof ClipError) throw error;
    const expected = `a tensor the ${backend.id} backend accepts`;
    throw new ClipError(
      'INVALID_GRADIENTS',
      `${field}: the ${backend.id} backend could not read this value (${(error as Error)?.message ?? String(error)}); expected ${expected}`,
      { field, value: tensor, expected, cause: error },
    );
  }
}
