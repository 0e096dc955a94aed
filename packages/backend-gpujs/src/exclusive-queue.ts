/**
 * Runs a backend's kernel calls one at a time. The kernels share staging buffers and compiled
 * kernels' output textures across `await`s (a batch is staged, the kernel runs, the host finishes
 * the chunks from the staged values), so two `clip` calls in flight on one backend would read each
 * other's data. gpu.js drives one device, so running them in turn costs no parallelism.
 */
export type Exclusive = <R>(run: () => Promise<R>) => Promise<R>;

export function createExclusiveQueue(): Exclusive {
  let tail: Promise<unknown> = Promise.resolve();
  return <R>(run: () => Promise<R>): Promise<R> => {
    const result = tail.then(run, run);
    // The next call waits for this one to settle, whether it succeeded or not.
    tail = result.catch(() => undefined);
    return result;
  };
}
