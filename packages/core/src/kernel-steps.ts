/**
 * Core composes strategies as generators that yield kernel calls, so one composition serves both
 * asynchronous backends (`clip`, awaiting each call) and synchronous ones (`clipSync`, which
 * optimizer hooks such as TF.js's synchronous `applyGradients` need).
 */
import { ClipError } from './errors.js';

export type MaybePromise<T> = T | Promise<T>;

/** One backend call, deferred until the driver runs it. */
export type KernelCall = () => unknown;

/** A composition: yields kernel calls, receives their results, returns `R`. */
export type Steps<R> = Generator<KernelCall, R, unknown>;

/** Yields one backend call and returns its (awaited, in async mode) result. */
export function* call<R>(run: () => MaybePromise<R>): Steps<R> {
  return (yield run) as R;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Runs a composition, awaiting every kernel call. */
export async function runAsync<R>(steps: Steps<R>): Promise<R> {
  let step = steps.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await step.value();
    } catch (error) {
      step = steps.throw(error);
      continue;
    }
    step = steps.next(result);
  }
  return step.value;
}

/** Runs a composition synchronously; a kernel that returns a Promise is a contract error. */
export function runSync<R>(steps: Steps<R>, backendId: string): R {
  let step = steps.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = step.value();
      if (isThenable(result)) {
        // Never leave a rejected promise unhandled.
        Promise.resolve(result).catch(() => {});
        throw new ClipError(
          'BACKEND_CONTRACT',
          `backend "${backendId}" returned a Promise from a kernel, so it is asynchronous; use clip() instead of clipSync()`,
          {
            field: 'backend',
            value: backendId,
            expected: 'a backend whose kernels return values synchronously',
          },
        );
      }
    } catch (error) {
      step = steps.throw(error);
      continue;
    }
    step = steps.next(result);
  }
  return step.value;
}
