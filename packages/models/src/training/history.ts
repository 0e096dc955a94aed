/** One optimizer step: the batch loss (before the update) and what clipping did. */
export interface StepRecord {
  readonly epoch: number;
  /** Step index from the start of training. */
  readonly step: number;
  readonly loss: number;
  /** Global L2 norm of the gradients before clipping (the clipper's report, or measured when unclipped). */
  readonly normBefore: number;
  /** After clipping; equal to `normBefore` when unclipped. */
  readonly normAfter: number;
  readonly clipped: boolean;
  /** The clipper's `nonFinite: 'skip'` policy skipped this update. */
  readonly skipped: boolean;
  /**
   * The threshold the clipper computed this step (`report.threshold`: autoClip, zClip, adaGC's
   * warm-up, skipOnSpike); absent when it reported none, so plain runs' records stay as they were.
   */
  readonly threshold?: number;
  /** Per tensor, the thresholds of adaGC after its warm-up (`report.perTensorThresholds`); absent otherwise. */
  readonly perTensorThresholds?: readonly number[];
}

export interface EpochRecord {
  readonly epoch: number;
  /** Mean of the epoch's batch losses weighted by batch size (Keras's `loss`). */
  readonly loss: number;
  readonly validationLoss: number | null;
  /** Classification only. */
  readonly validationAccuracy: number | null;
  readonly clippedSteps: number;
  readonly skippedSteps: number;
  /** Largest `normBefore` in the epoch. */
  readonly maxNormBefore: number;
}

/**
 * Everything a run records. Deterministic: no timings, so two runs with the same seed compare
 * equal as values (`NaN` included) exactly when they trained identically.
 */
export interface TrainingHistory {
  readonly steps: StepRecord[];
  readonly epochs: EpochRecord[];
  /** Why training stopped early, or null when it ran every epoch. */
  readonly stopped: { readonly epoch: number; readonly step: number; readonly reason: string } | null;
}

/**
 * JSON text of any value holding histories: non-finite numbers become the strings `"NaN"`,
 * `"Infinity"`, `"-Infinity"` (gradclip's JSON convention), which JSON.stringify would turn into null.
 */
export function toJsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item),
    2,
  );
}
