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

export function unpackGradients<T>(gradients: Gradients<T>, backend: ClipBackend<T>): UnpackedGradients<T> {
  if (Array.isArray(gradients)) {
    const list = gradients as readonly T[];
    const entries = list.map((tensor, i) => {
      const field = `gradients[${i}]`;
      checkPresent(tensor, field);
      const shape = backend.shapeOf(tensor, field);
      const own = backend.nameOf?.(tensor);
      return { name: own ?? field, tensor, shape };
    });
    return { entries, repack: (tensors) => [...tensors] };
  }
  if (typeof gradients !== 'object' || gradients === null) {
    throw new ClipError(
      'INVALID_GRADIENTS',
      `gradients: got ${describeValue(gradients)}, expected an array of tensors or an object mapping names to tensors`,
      { field: 'gradients', value: gradients, expected: 'an array of tensors or a name → tensor map' },
    );
  }
  const record = gradients as Readonly<Record<string, T>>;
  const keys = Object.keys(record);
  const entries = keys.map((key) => {
    const field = `gradients[${JSON.stringify(key)}]`;
    const tensor = record[key] as T;
    checkPresent(tensor, field);
    return { name: key, tensor, shape: backend.shapeOf(tensor, field) };
  });
  return {
    entries,
    repack: (tensors) => Object.fromEntries(keys.map((key, i) => [key, tensors[i]])),
  };
}

function checkPresent(tensor: unknown, field: string): void {
  // PyTorch and Keras skip None gradients silently; a missing gradient here is a caller bug.
  if (tensor === null || tensor === undefined) {
    throw new ClipError('INVALID_GRADIENTS', `${field}: got ${describeValue(tensor)}, expected a tensor`, {
      field,
      value: tensor,
      expected: 'a tensor',
    });
  }
}
