/** Robust summary of repeated timings: the median and the interquartile spread resist outliers. */
export interface TimingStatistics {
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly q1Ms: number;
  readonly q3Ms: number;
  /** (q3 − q1) / median: 0.1 means the middle half of the runs lies within ±5 % of the median. */
  readonly relativeSpread: number;
}

/** Linear-interpolation quantile (type 7, as numpy's default) of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (position - below);
}

export function timingStatistics(samplesMs: readonly number[]): TimingStatistics {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const medianMs = quantile(sorted, 0.5);
  const q1Ms = quantile(sorted, 0.25);
  const q3Ms = quantile(sorted, 0.75);
  return {
    runs: sorted.length,
    medianMs,
    minMs: sorted[0] as number,
    maxMs: sorted[sorted.length - 1] as number,
    q1Ms,
    q3Ms,
    relativeSpread: medianMs > 0 ? (q3Ms - q1Ms) / medianMs : 0,
  };
}

/** GB/s for `bytes` moved in `milliseconds`. */
export function gigabytesPerSecond(bytes: number, milliseconds: number): number {
  return milliseconds > 0 ? bytes / (milliseconds * 1e6) : Number.POSITIVE_INFINITY;
}
