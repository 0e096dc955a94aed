/**
 * Sequence cases: the conformance format for kinds whose result depends on earlier calls
 * (`autoClip`, `zClip`, `adaGC`) or on tensors beside the gradients (`agc`). One clipper is created
 * from `spec` and called once per step, in order; each step states its gradients, optionally the
 * parameters beside them, and what the call must return. Language-neutral JSON like
 * `ConformanceCase`, with whose inputs, outputs and report it shares its pieces.
 */
import type { BackendCapability } from '../backend.js';
import type { JsonFloat } from '../gradient-json.js';
import type { ClipSpec } from '../spec.js';
import type { CaseInput, CaseOutput, CaseReport } from './case-format.js';

/** A step's report: the single-call fields, plus the thresholds the adaptive kinds compute. */
export interface SequenceStepReport extends CaseReport {
  /** `report.threshold`, bit for bit (a float64 number; `"Infinity"` when uncapped). */
  readonly threshold?: JsonFloat;
  /** `report.perTensorThresholds` (adaGC after warm-up), bit for bit. */
  readonly perTensorThresholds?: readonly JsonFloat[];
}

export interface SequenceStep {
  /** The gradients of this call, in order (the clipper receives them as a map by name). */
  readonly input: readonly CaseInput[];
  /** The parameters beside the gradients (`agc`), same names and shapes; passed as `{ parameters }`. */
  readonly parameters?: readonly CaseInput[];
  readonly expect: { readonly outputs: readonly CaseOutput[]; readonly report: SequenceStepReport };
}

export interface SequenceCase {
  /** `<strategy>/<behaviour>`, e.g. `zClip/percentile-cap-5`. */
  readonly id: string;
  readonly description: string;
  readonly spec: ClipSpec | Record<string, unknown>;
  readonly requires?: readonly BackendCapability[];
  /** Run on one clipper, in order: each step sees the state the previous ones left. */
  readonly steps: readonly SequenceStep[];
  /** `clipper.state` after the last step (plain JSON), compared as data; absent for stateless kinds. */
  readonly finalState?: unknown;
  /** Where the expected values come from, e.g. the independent fixture they were checked against. */
  readonly source?: string;
}

/** True for a sequence case (it has `steps`), false for a single-call `ConformanceCase`. */
export function isSequenceCase(value: unknown): value is SequenceCase {
  return typeof value === 'object' && value !== null && Array.isArray((value as { steps?: unknown }).steps);
}
