/**
 * Runs kernel jobs: writes their records into a job area of the shared memory (grown on demand)
 * and dispatches them to the thread pool.
 */
import { JOB_BYTES, type Job, jobCount, writeTensorJobs } from './job-list.js';
import type { MemoryPool } from './memory-pool.js';
import type { KernelOperation, ThreadPool } from './thread-pool.js';
import type {} from './webassembly-api.js';

/** Bytes at the start of the memory kept for the job counter. */
export const RESERVED_BYTES = 1024;
const COUNTER_OFFSET = 64;

export class JobRunner {
  readonly #memory: WebAssembly.Memory;
  readonly #threads: ThreadPool;
  readonly #pool: MemoryPool;
  readonly #parallelThreshold: number;
  #jobs = 0;
  #jobCapacity = 0;
  #dataView: DataView | undefined;

  constructor(memory: WebAssembly.Memory, threads: ThreadPool, pool: MemoryPool, parallelThreshold: number) {
    this.#memory = memory;
    this.#threads = threads;
    this.#pool = pool;
    this.#parallelThreshold = parallelThreshold;
  }

  view(): DataView {
    const buffer = this.#memory.buffer;
    if (this.#dataView?.buffer !== buffer) this.#dataView = new DataView(buffer);
    return this.#dataView;
  }

  /** Writes the job records (growing the job area when needed), runs them; returns their offset. */
  run(operation: KernelOperation, jobs: readonly Job[], reverse: boolean): number {
    let count = 0;
    let elements = 0;
    for (const job of jobs) {
      count += jobCount(job.length);
      elements += job.length;
    }
    if (count > this.#jobCapacity) {
      if (this.#jobCapacity > 0) this.#pool.free(this.#jobs, this.#jobCapacity * JOB_BYTES);
      this.#jobCapacity = Math.max(count, 2 * this.#jobCapacity, 256);
      this.#jobs = this.#pool.allocate(this.#jobCapacity * JOB_BYTES);
    }
    const view = this.view();
    let index = 0;
    for (let k = 0; k < jobs.length; k++) {
      const job = jobs[reverse ? jobs.length - 1 - k : k] as Job;
      index = writeTensorJobs(view, this.#jobs, index, job, reverse);
    }
    if (count > 0) {
      this.#threads.run(operation, this.#jobs, count, COUNTER_OFFSET, elements >= this.#parallelThreshold);
    }
    return this.#jobs;
  }
}
