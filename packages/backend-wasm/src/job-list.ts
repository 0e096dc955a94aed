/**
 * The job records that the wasm kernels read (layout in kernels/kernels.wat): one per chunk of a
 * tensor, so that large tensors are shared between threads and small ones cost one record each.
 */
export const JOB_BYTES = 48;

/** Elements per job: 1 MiB of float32, large enough to amortise a job, small enough to balance. */
export const CHUNK_ELEMENTS = 1 << 18;

export const SCALE_ORDER_CODE = { multiply: 0, multiplyThenDivide: 1, divideThenMultiply: 2 } as const;

export interface Job {
  /** Byte offsets in the shared memory. */
  readonly source: number;
  readonly destination: number;
  readonly length: number;
  readonly order?: number;
  readonly multiplier?: number;
  readonly divisor?: number;
}

/** Number of jobs a tensor of `length` elements is cut into (0 for an empty tensor). */
export function jobCount(length: number): number {
  return Math.ceil(length / CHUNK_ELEMENTS);
}

/** Writes the jobs for one tensor at `index` onwards; returns the next free index. */
export function writeTensorJobs(
  view: DataView,
  base: number,
  index: number,
  job: Job,
  reverse = false,
): number {
  const count = jobCount(job.length);
  for (let k = 0; k < count; k++) {
    const chunk = reverse ? count - 1 - k : k;
    const start = chunk * CHUNK_ELEMENTS;
    const record = base + (index + k) * JOB_BYTES;
    view.setInt32(record, job.source + start * 4, true);
    view.setInt32(record + 4, job.destination + start * 4, true);
    view.setInt32(record + 8, Math.min(CHUNK_ELEMENTS, job.length - start), true);
    view.setInt32(record + 12, job.order ?? 0, true);
    view.setFloat32(record + 16, job.multiplier ?? 1, true);
    view.setFloat32(record + 20, job.divisor ?? 1, true);
  }
  return index + count;
}

/** Byte offsets of a summarize job's outputs in its record (min f32, max f32, sum f64). */
export const SUMMARY_MIN = 24;
export const SUMMARY_MAX = 28;
export const SUMMARY_SUM = 32;

/**
 * One tensor's summarize records (`count` from `firstRecord`) combined: the extremes, and the job
 * sums added in job order (the tree sum-error-bound.ts counts), so the bits do not depend on which
 * thread ran which job. Mode 0 (p = ∞) stores the job's NaN flag (0 or 1) as its sum: the combined
 * sum is NaN when a job saw a NaN, 0 otherwise.
 */
export function combineSummaryRecords(
  view: DataView,
  firstRecord: number,
  count: number,
  mode: number,
): { min: number; max: number; sum: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let j = 0; j < count; j++) {
    const record = firstRecord + j * JOB_BYTES;
    const partMin = view.getFloat32(record + SUMMARY_MIN, true);
    const partMax = view.getFloat32(record + SUMMARY_MAX, true);
    if (partMin < min) min = partMin;
    if (partMax > max) max = partMax;
    const part = view.getFloat64(record + SUMMARY_SUM, true);
    sum += mode === 0 && part !== 0 ? Number.NaN : part;
  }
  return { min, max, sum };
}
