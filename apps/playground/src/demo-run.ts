/** One training run of a demo: an experiment, a clipping setting, a backend, and what it recorded. */
export interface DemoRun {
  readonly experiment: string;
  /** Human label of the clipping, e.g. "none", "clipvalue 5", "clipnorm 1". */
  readonly clipping: string;
  readonly backend: string;
  readonly epochLoss: readonly number[];
  /** Every optimizer step's batch loss (a run that diverges inside epoch 1 has no epoch point). */
  readonly stepLoss: readonly number[];
  readonly gradientNormBefore: readonly number[];
  readonly gradientNormAfter: readonly number[];
  /**
   * Per step, the threshold an adaptive clipping computed (`report.threshold`); for adaGC after its
   * warm-up, whose thresholds are per tensor, the global norm they allow, √(Σ t_i²). `null` where the
   * clipper computed none; absent for the fixed-threshold settings.
   */
  readonly threshold?: readonly (number | null)[];
}

/** Largest absolute difference between two loss curves (NaN equals NaN; Infinity if lengths differ). */
export function curveDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  a.forEach((value, i) => {
    const other = b[i] as number;
    if (Object.is(value, other) || (Number.isNaN(value) && Number.isNaN(other))) return;
    worst = Math.max(
      worst,
      Number.isFinite(value - other) ? Math.abs(value - other) : Number.POSITIVE_INFINITY,
    );
  });
  return worst;
}
