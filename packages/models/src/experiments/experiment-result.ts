import type { Evaluation } from '../training/evaluate.js';
import type { TrainingHistory } from '../training/history.js';

/** What every experiment returns: its settings, the history and the final evaluations. */
export interface ExperimentResult {
  readonly experiment: 'regression' | 'fashion-mnist' | 'adding';
  /** Every setting that determines the run (seeds, sizes, optimizer), as plain data. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The clipper's backend id and spec, or null when unclipped. */
  readonly clipping: { readonly backend: string; readonly spec: unknown } | null;
  /** TF.js backend the model ran on (results are reproducible on `cpu`). */
  readonly tfjsBackend: string;
  readonly history: TrainingHistory;
  /** After the last epoch, in inference mode. */
  readonly final: { readonly train: Evaluation; readonly test: Evaluation };
}
