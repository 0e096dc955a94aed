import type { MaybePromise } from './kernel-steps.js';
import type { SliceLayout } from './slice-layout.js';

/**
 * A backend supplies a few numeric kernels over its own tensor type `T` (TF.js users keep
 * `tf.Tensor`s, ONNX users `ort.Tensor`s). Core owns every rule of the contract — validation,
 * non-finite policies, thresholds, compat formulas, and exactness: it certifies each decision from
 * the summaries' error bounds and settles the rare uncertain one with an exact sum on the host.
 *
 * Kernels never mutate their inputs. Every float32 result element must be the correctly rounded
 * result of the operation described. Kernels return a value or a Promise: `clip` works with both,
 * `clipSync` needs values.
 */
export interface ClipKernels<T> {
  /**
   * Optional: one pass over each tensor, for p = 1, 2 or ∞ (core computes other orders on the
   * host). Per slice of `request.layouts[i]`: the power sum Σ|g|^p in float64 — exact and correctly
   * rounded, or approximate with a rigorous bound in `sumErrors` — and `max |g|`; for `p = Infinity`
   * the "sum" is `max |g|` as well (exact). NaN propagates into both (a slice with a NaN has sum and
   * max NaN); ±Infinity gives an infinite sum and max. Per tensor: the smallest and largest value
   * (ignoring NaN), the count of non-finite values and the first one's flat index.
   *
   * Without it, core reads each tensor with `toHost` and summarises it exactly (a copy per call).
   */
  summarize?(tensors: readonly T[], request: SummaryRequest): MaybePromise<readonly TensorSummary[]>;
  /**
   * Per tensor, per slice (same numbering as `summarize`): `multiply` gives `fround(g · m)`;
   * `multiplyThenDivide` gives `fround(fround(g · m) / d)` (TF's clip_by_norm);
   * `divideThenMultiply` gives `fround(fround(g / d) · m)` (Optax). Returns new tensors.
   */
  scale(tensors: readonly T[], requests: readonly ScaleRequest[]): MaybePromise<T[]>;
  /**
   * `g < min ? min : g > max ? max : g` per element, with float32 bounds: NaN stays NaN, -0 stays -0.
   * Returns new tensors.
   */
  clamp(tensors: readonly T[], bounds: ClampBounds): MaybePromise<T[]>;
  /** NaN and ±Infinity replaced by +0, every other element unchanged. Returns new tensors. */
  zeroNonFinite(tensors: readonly T[]): MaybePromise<T[]>;
}

export interface ClipBackend<T> extends ClipKernels<T> {
  /** Stable identifier including the mode, e.g. `"reference"`, `"tfjs:wasm"`, `"gpujs:webasm"`. */
  readonly id: string;
  /** Human-readable name. */
  readonly name: string;
  /** Version of the engine underneath (or of the package for the reference). */
  readonly version: string;
  readonly manifest: BackendManifest;
  /**
   * The shape of a tensor; throws `ClipError('INVALID_GRADIENTS')` naming `field` when the value is
   * not a tensor this backend accepts (wrong type, dtype, values/shape disagreement).
   */
  shapeOf(tensor: T, field: string): readonly number[];
  /** A tensor's own name when the type carries one; used in error messages and reports. */
  nameOf?(tensor: T): string | undefined;
  /** Copies host float32 data into a new backend tensor. */
  fromHost(values: Float32Array, shape: readonly number[]): MaybePromise<T>;
  /** Copies a tensor's data to a new host Float32Array. */
  toHost(tensor: T): MaybePromise<Float32Array>;
  /** Frees tensors that core created and no longer needs (TF.js: dispose). Never given a caller's tensor. */
  release(tensors: readonly T[]): void;
  /** Frees everything the backend holds (sessions, kernels, workers). */
  dispose(): MaybePromise<void>;
}

/**
 * Any backend, whatever its tensor type: for apps that hold a list of backends (a parity runner, a
 * picker) and never touch their tensors directly.
 */
// biome-ignore lint/suspicious/noExplicitAny: method parameters are bivariant; `any` is the honest "some T".
export type AnyClipBackend = ClipBackend<any>;

export interface SummaryRequest {
  /** Norm order: 1, 2, or `Infinity` for max-abs. */
  readonly p: number;
  /** One layout per tensor. */
  readonly layouts: readonly SliceLayout[];
}

export interface TensorSummary {
  /**
   * Per slice: Σ|g|^p in float64, or max |g| for p = ∞. Squares and absolute values of float32
   * values are exact in float64, so the only error is the summation's.
   */
  readonly sums: Float64Array;
  /**
   * Per slice: a rigorous bound on |sums[slice] − the exact real sum|, valid for the hardware's real
   * behaviour (flushed subnormals, reduction order, threads). Omitted: every sum is the exact sum
   * correctly rounded to nearest (ties to even). Core certifies each decision from the interval the
   * bound gives, and computes the exact sum when the interval cannot decide. Never read for p = ∞.
   */
  readonly sumErrors?: Float64Array;
  /** Per slice: max |g| (unscaled); NaN if the slice holds a NaN. */
  readonly maxAbs: Float64Array;
  /** Smallest and largest element ignoring NaN (+Infinity / -Infinity for an all-NaN or empty tensor). */
  readonly minValue: number;
  readonly maxValue: number;
  readonly nonFiniteCount: number;
  /** Flat index of the first NaN or ±Infinity, -1 when there is none. */
  readonly firstNonFiniteIndex: number;
}

export type ScaleOrder = 'multiply' | 'multiplyThenDivide' | 'divideThenMultiply';

export interface ScaleRequest {
  readonly layout: SliceLayout;
  readonly order: ScaleOrder;
  /** Per slice, float32 values. */
  readonly multipliers: Float32Array;
  /** Per slice, float32 values; required unless `order` is `multiply`. */
  readonly divisors?: Float32Array;
}

export interface ClampBounds {
  /** float32 values (core rounds the spec's bounds with Math.fround). */
  readonly min: number;
  readonly max: number;
}

/** Features a conformance case may require; a backend lists those it supports. */
export type BackendCapability =
  /** Norms over `axes` (slices). */
  | 'axes'
  /** Orders other than 1, 2 and ∞. */
  | 'generalP'
  /** Single tensors of more than 2^24 elements. */
  | 'largeTensors';

export type ConformanceFailureKind =
  | 'threw'
  | 'wrong-error'
  | 'missing-error'
  | 'mismatch'
  | 'report-mismatch'
  | 'mutated-input'
  | 'norm-exceeds-bound'
  | 'direction-changed'
  | 'identity-broken';

/** A conformance case this backend is known to fail, with why. An unexpected pass fails the run. */
export interface ExpectedFailure {
  readonly caseId: string;
  readonly kind: ConformanceFailureKind;
  readonly reason: string;
}

/** What a backend promises; the conformance kit and the parity runner read it. */
export interface BackendManifest {
  /** Largest ULP distance from the oracle the backend allows itself; 0 means bit-identical. */
  readonly maxUlp: number;
  readonly capabilities: readonly BackendCapability[];
  readonly expectedFailures: readonly ExpectedFailure[];
  /** Free-form guarantees and limits, e.g. per engine mode. */
  readonly notes?: readonly string[];
}
