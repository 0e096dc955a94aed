import type { ClipBackend } from '../backend.js';
import type { ClipReport } from '../report.js';
import { type StateSlots, transientStateSlots } from './state-slots.js';

/** What one clip call shares between its strategies and kernel calls. */
export interface StrategyContext<T> {
  readonly backend: ClipBackend<T>;
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  /** Tensors core created during this call; whatever is not returned is released at the end. */
  readonly created: Set<T>;
  readonly perTensorNorms: boolean;
  /** Decisions taken in this call: certified from bounded sums, or settled by an exact sum. */
  readonly decisions: DecisionTally;
  /** The state of stateful specs (adaptive thresholds): read at the start, written for commit. */
  readonly state: StateSlots;
  /** The parameters beside the gradients (same order), when the call gave them (`agc` needs them). */
  readonly parameters: readonly T[] | undefined;
}

export interface DecisionTally {
  certified: number;
  exactFallback: number;
}

export interface StrategyOutput<T> {
  readonly tensors: T[];
  readonly report: ClipReport;
  /**
   * The outputs' shapes when the strategy changed them (perExample's batch sum or mean drops axis
   * 0); absent: the inputs' shapes. Later chain steps and the telemetry read them.
   */
  readonly shapes?: readonly (readonly number[])[];
}

/** A fresh context for one call over `entries` (names and shapes already validated). */
export function createStrategyContext<T>(
  backend: ClipBackend<T>,
  entries: readonly { readonly name: string; readonly shape: readonly number[] }[],
  perTensorNorms: boolean,
  state: StateSlots = transientStateSlots(),
  parameters?: readonly T[],
): StrategyContext<T> {
  return {
    backend,
    names: entries.map((entry) => entry.name),
    shapes: entries.map((entry) => entry.shape),
    created: new Set<T>(),
    perTensorNorms,
    decisions: { certified: 0, exactFallback: 0 },
    state,
    parameters,
  };
}
