import type { ClipKind } from './spec.js';

/** What one clip call did; returned on every call so users can log and plot it. */
export interface ClipReport {
  readonly kind: ClipKind;
  /**
   * Norm of the input before clipping: the spec's p-norm over all tensors for `norm` and
   * `globalNorm` (after `nonFinite: 'zero'` replaced bad entries), the global L2 norm for `value`.
   */
  readonly normBefore: number;
  /**
   * Norm of the output, same order as `normBefore`. For norm strategies it is `normBefore` times the
   * applied scale, computed in float64 (exact but for the float32 rounding of each element); for
   * `value` it is measured on the output.
   */
  readonly normAfter: number;
  /**
   * The factor applied: the float32 scale for `globalNorm` (1 when not clipped), the smallest slice
   * scale for `norm`; `null` for `value` and `chain`.
   */
  readonly scale: number | null;
  /** True when any element of the output differs from the input. */
  readonly clipped: boolean;
  /** NaN and ±Infinity values found in the input. */
  readonly nonFiniteCount: number;
  /** True when the `skip` policy left the gradients unchanged; optimizer wrappers skip the update. */
  readonly skipped: boolean;
  /**
   * The threshold this call clipped at, for the kinds that compute one (`autoClip`, `zClip`, `adaGC`
   * during warm-up) or take one to skip at (`skipOnSpike`): users plot it next to `normBefore`.
   */
  readonly threshold?: number;
  /** Per input tensor, the threshold it was clipped at (`adaGC` after warm-up). */
  readonly perTensorThresholds?: readonly number[];
  /** Per input tensor, its norm before clipping (same order as `normBefore`); when asked for. */
  readonly perTensorNorms?: readonly number[];
  /**
   * How this call's scale decisions were taken: `certified` from the backend's sums and their
   * stated error bounds (or exact sums), `exactFallback` when the bounds could not decide and core
   * computed the exact sum on the host. The fallback is rare (about one decision in 10^4 or fewer
   * for a float-float or float64 sum) and changes no result: it is what makes every backend exact.
   */
  readonly decisions?: { readonly certified: number; readonly exactFallback: number };
  /** For `perExample`: how many examples were scaled. */
  readonly clippedExamples?: number;
  /** For `perExample`: the batch size, the examples seen. */
  readonly examples?: number;
  /** With `{ telemetry: { topK } }`: the tensors with the largest norms before clipping, largest first. */
  readonly topTensors?: readonly { readonly name: string; readonly norm: number }[];
  /**
   * With `{ telemetry: { clippedFraction: true } }`: the fraction of all elements the call changed
   * (for a call with perExample steps: the fraction of their examples clipped).
   */
  readonly clippedFraction?: number;
  /** For `chain`: each step's report, in order (stops at a skipped step). */
  readonly steps?: readonly ClipReport[];
}

/** A clip call's output: the gradients in the container they came in, and the report. */
export interface ClipResult<G> {
  readonly gradients: G;
  readonly report: ClipReport;
}
