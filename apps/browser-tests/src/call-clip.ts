/**
 * One clip call from host tensors, made the same way by the playground's parity run in Node and by
 * the page of its browser rows: upload, `clip` (with the parameters beside the gradients when
 * given), download every output; a throw becomes its code and message, so that two engines can be
 * compared on what they refused as well as on what they returned.
 */
import { type ClipBackend, ClipError, type ClipReport, clip, type NamedHostTensor } from '@gradclip/core';

export interface ClipCall {
  /** The spec as given (JSON form); an invalid one is part of what is compared. */
  readonly spec: unknown;
  readonly input: readonly NamedHostTensor[];
  /** The parameters beside the gradients (`agc`), passed as `{ parameters }`. */
  readonly parameters?: readonly NamedHostTensor[];
}

export interface ClipCallResult {
  readonly outputs: NamedHostTensor[] | null;
  readonly report: ClipReport | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly durationMs: number;
}

export async function callClip<T>(backend: ClipBackend<T>, call: ClipCall): Promise<ClipCallResult> {
  const started = performance.now();
  const owned = new Set<T>();
  const upload = async (tensors: readonly NamedHostTensor[]): Promise<Record<string, T>> => {
    const uploaded: Record<string, T> = {};
    for (const tensor of tensors) {
      // A copy: a backend may keep (or, in place, overwrite) the array it is given.
      const onBackend = await backend.fromHost(tensor.values.slice(), tensor.shape);
      owned.add(onBackend);
      uploaded[tensor.name] = onBackend;
    }
    return uploaded;
  };
  try {
    const gradients = await upload(call.input);
    const parameters = call.parameters === undefined ? undefined : await upload(call.parameters);
    const { gradients: clipped, report } = await clip<T, Record<string, T>>(gradients, call.spec as never, {
      backend,
      ...(parameters === undefined ? {} : { parameters }),
    });
    const outputs: NamedHostTensor[] = [];
    for (const input of call.input) {
      const tensor = clipped[input.name] as T;
      owned.add(tensor);
      outputs.push({ name: input.name, shape: input.shape, values: await backend.toHost(tensor) });
    }
    return { outputs, report, error: null, durationMs: performance.now() - started };
  } catch (error) {
    const code = error instanceof ClipError ? error.code : error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return { outputs: null, report: null, error: { code, message }, durationMs: performance.now() - started };
  } finally {
    if (owned.size > 0) backend.release([...owned]);
  }
}
