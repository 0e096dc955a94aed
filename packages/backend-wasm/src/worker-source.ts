/**
 * The worker's program, evaluated by `new Worker(source, { eval: true })`: no file to locate, so it
 * runs the same from src (tests) and dist. It instantiates the kernels over the shared memory and
 * waits for dispatches from thread-pool.ts; the protocol's words are documented there.
 */
export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, spin } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const words = new Int32Array(control, 0, 16);
const numbers = new Float64Array(control, 64, 4);
const GENERATION = 0, OPERATION = 1, INSIDE = 2, JOBS = 3, COUNT = 4, COUNTER = 5, MODE = 6;
const CLOSED = 0x40000000;
let seen = Atomics.load(words, GENERATION);
parentPort.postMessage('ready');
for (;;) {
  let spins = 0;
  while (Atomics.load(words, GENERATION) === seen && spins < spin) spins++;
  if (Atomics.load(words, GENERATION) === seen) Atomics.wait(words, GENERATION, seen);
  seen = Atomics.load(words, GENERATION);
  if (Atomics.load(words, OPERATION) < 0) break;
  // Enter the dispatch unless the main thread has already closed it (it then ran every job itself).
  let inside = Atomics.load(words, INSIDE);
  while ((inside & CLOSED) === 0) {
    const before = Atomics.compareExchange(words, INSIDE, inside, inside + 1);
    if (before === inside) break;
    inside = before;
  }
  if ((inside & CLOSED) !== 0) continue;
  const jobs = words[JOBS], count = words[COUNT], counter = words[COUNTER];
  switch (words[OPERATION]) {
    case 1: kernels.summarize(jobs, count, counter, words[MODE]); break;
    case 2: kernels.scale(jobs, count, counter); break;
    case 3: kernels.clamp(jobs, count, counter, numbers[1], numbers[2]); break;
    case 4: kernels.zeroNonFinite(jobs, count, counter); break;
    case 5: kernels.copy(jobs, count, counter); break;
    case 6: kernels.clampSummarize(jobs, count, counter, numbers[1], numbers[2]); break;
  }
  Atomics.sub(words, INSIDE, 1);
  Atomics.notify(words, INSIDE);
}
`;
