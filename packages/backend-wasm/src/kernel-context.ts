/** What the summarize and element-wise kernel calls of one backend share. */
import type { ClampSummaries } from './clamp-summaries.js';
import type { JobRunner } from './job-runner.js';
import type { LiveTensors } from './live-tensors.js';

export interface KernelContext {
  readonly tensors: LiveTensors;
  readonly jobs: JobRunner;
  readonly clampSummaries: ClampSummaries;
}
