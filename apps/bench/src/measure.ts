import { type ClipBackend, clip, type HostTensor } from '@gradclip/core';
import { wholeTensorLayout } from '@gradclip/core/backend';
import type { Baseline } from './baselines.js';
import { type TimingStatistics, timingStatistics } from './statistics.js';
import type { BenchStrategy } from './strategies.js';

export interface MeasureOptions {
  /** Timed runs after the first call (fewer when `budgetMs` runs out, at least one). */
  readonly runs: number;
  /** Untimed warm-up runs after the first call. */
  readonly warmup: number;
  /** Soft time limit for one cell's timed runs. */
  readonly budgetMs: number;
}

export interface CellMeasurement {
  readonly firstCallMs: number;
  readonly timing: TimingStatistics;
  /** Largest growth of the resident set over the cell, from before the tensors were created. */
  readonly peakMemoryBytes: number;
  /** Scale decisions over every call (first and warm-up included): certified, or exact fallbacks. */
  readonly decisions?: { readonly certified: number; readonly exactFallback: number };
}

function residentBytes(): number {
  return process.memoryUsage.rss();
}

/**
 * The first call apart, `warmup` untimed calls, then up to `runs` timed calls while `budgetMs`
 * lasts (at least one); `once` times its own call and returns the milliseconds.
 */
async function timeCalls(
  once: () => Promise<number>,
  options: MeasureOptions,
): Promise<Pick<CellMeasurement, 'firstCallMs' | 'timing'>> {
  const firstCallMs = await once();
  for (let i = 0; i < options.warmup; i++) await once();
  const samples: number[] = [];
  const started = performance.now();
  while (
    samples.length < options.runs &&
    (samples.length === 0 || performance.now() - started < options.budgetMs)
  ) {
    samples.push(await once());
  }
  return { firstCallMs, timing: timingStatistics(samples) };
}

/**
 * Times `clip(tensors, spec, { backend })` as a user would call it every training step: inputs
 * already in the backend's tensors, the outputs released after each call (so a backend that
 * recycles buffers can). The first call (kernel compilation, sessions, page faults) is reported
 * apart from the steady state.
 */
export async function measureBackend(
  backend: ClipBackend<unknown>,
  gradients: readonly HostTensor[],
  strategy: BenchStrategy,
  options: MeasureOptions,
  inPlace: boolean,
): Promise<CellMeasurement> {
  const before = residentBytes();
  let peak = before;
  // In place, each run overwrites its inputs: give every run fresh copies, created untimed.
  const makeTensors = async () =>
    Promise.all(gradients.map((tensor) => backend.fromHost(tensor.values, tensor.shape)));
  let tensors = await makeTensors();
  const decisions = { certified: 0, exactFallback: 0 };
  const once = async () => {
    if (inPlace) {
      backend.release(tensors);
      tensors = await makeTensors();
    }
    const started = performance.now();
    const { gradients: outputs, report } = await clip(tensors, strategy.spec, { backend });
    const elapsed = performance.now() - started;
    decisions.certified += report.decisions?.certified ?? 0;
    decisions.exactFallback += report.decisions?.exactFallback ?? 0;
    peak = Math.max(peak, residentBytes());
    const created = outputs.filter((output, i) => output !== tensors[i]);
    if (created.length > 0) backend.release(created);
    return elapsed;
  };
  try {
    return { ...(await timeCalls(once, options)), peakMemoryBytes: peak - before, decisions };
  } finally {
    backend.release(tensors);
  }
}

/**
 * An engine's floor for clipping: its own `scale` kernel over the list (one engine op per tensor
 * making the new outputs, which any clip in that engine has to do), outputs released each run.
 * The targets add one read of the gradients at the memcpy probe's speed (half its time).
 */
export async function measureScaleFloor(
  backend: ClipBackend<unknown>,
  gradients: readonly HostTensor[],
  options: MeasureOptions,
): Promise<CellMeasurement> {
  const before = residentBytes();
  const tensors = await Promise.all(gradients.map((tensor) => backend.fromHost(tensor.values, tensor.shape)));
  const requests = gradients.map((tensor) => ({
    layout: wholeTensorLayout(tensor.shape),
    order: 'multiply' as const,
    multipliers: new Float32Array([0.5]),
  }));
  const once = async () => {
    const started = performance.now();
    const outputs = await backend.scale(tensors, requests);
    const elapsed = performance.now() - started;
    backend.release(outputs);
    return elapsed;
  };
  try {
    return { ...(await timeCalls(once, options)), peakMemoryBytes: Math.max(0, residentBytes() - before) };
  } finally {
    backend.release(tensors);
  }
}

export function measureBaseline(baseline: Baseline, options: MeasureOptions): CellMeasurement {
  const before = residentBytes();
  let started = performance.now();
  baseline.run();
  const firstCallMs = performance.now() - started;
  for (let i = 0; i < options.warmup; i++) baseline.run();
  const samples: number[] = [];
  const begin = performance.now();
  while (
    samples.length < options.runs &&
    (samples.length === 0 || performance.now() - begin < options.budgetMs)
  ) {
    started = performance.now();
    baseline.run();
    samples.push(performance.now() - started);
  }
  return {
    firstCallMs,
    timing: timingStatistics(samples),
    peakMemoryBytes: Math.max(0, residentBytes() - before),
  };
}
