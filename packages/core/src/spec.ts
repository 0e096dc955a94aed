/**
 * Clip specifications: plain, JSON-serialisable data. The same object configures every backend,
 * a config file, the playground and the conformance cases. See DESIGN.md "Specs as JSON".
 */

/** What to do when a gradient holds NaN or ±Infinity. */
export type NonFinitePolicy =
  /** Throw `ClipError('NON_FINITE_GRADIENT')` naming the tensor and the first bad index (default). */
  | 'error'
  /** Let the arithmetic run: the PyTorch/Optax result (an infinite norm zeroes finite entries, NaN spreads). */
  | 'propagate'
  /** Every element of every output becomes NaN, the TF/Keras signal that "an error occurred". */
  | 'nanAll'
  /** Return the gradients unchanged with `report.skipped = true`; optimizer wrappers skip the update. */
  | 'skip'
  /** Replace non-finite entries by 0 before anything else (norms included). */
  | 'zero';

/** Which library's formula to reproduce. `'exact'` is gradclip's own contract. */
export type CompatMode = 'exact' | 'keras' | 'pytorch' | 'optax';

/** A threshold: a number ≥ 0, `Infinity`, or the JSON spelling `"Infinity"`. */
export type Threshold = number | 'Infinity';

/** A norm order: a number > 0, `Infinity`, or `"inf"` (max-abs norm). */
export type NormOrder = number | 'inf' | 'Infinity';

export interface SpecOptions {
  /** Default `'error'`. */
  readonly nonFinite?: NonFinitePolicy;
  /** Default `'exact'`. */
  readonly compat?: CompatMode;
}

/** Element-wise `min(max(g, min), max)`; NaN stays NaN, -0 stays -0. */
export interface ValueSpec extends SpecOptions {
  readonly kind: 'value';
  readonly min: number | '-Infinity' | 'Infinity';
  readonly max: number | '-Infinity' | 'Infinity';
}

/**
 * Per tensor: `n = ‖g‖_p`; `n ≤ maxNorm` leaves `g` untouched, otherwise `g · fround(maxNorm / n)`.
 * With `axes`, the norm is taken over those axes, one norm per slice of the remaining axes
 * (as `tf.clip_by_norm(t, c, axes)`).
 */
export interface NormSpec extends SpecOptions {
  readonly kind: 'norm';
  readonly maxNorm: Threshold;
  /** Default 2. */
  readonly p?: NormOrder;
  readonly axes?: readonly number[] | undefined;
}

/** All tensors jointly: `N = (Σ_i ‖g_i‖_p^p)^(1/p)` (max for p = ∞), then the `norm` rule with N. */
export interface GlobalNormSpec extends SpecOptions {
  readonly kind: 'globalNorm';
  readonly maxNorm: Threshold;
  /** Default 2. */
  readonly p?: NormOrder;
}

/** Steps applied in order. A step without its own `nonFinite`/`compat` inherits the chain's. */
export interface ChainSpec extends SpecOptions {
  readonly kind: 'chain';
  readonly steps: readonly ClipSpec[];
}

/**
 * AutoClip (Seetharaman et al. 2020): each step's global L2 norm joins a history, and the
 * `percentile`-th percentile of the history (numpy's linear interpolation) is this step's
 * `globalNorm` threshold. The current step counts in its own threshold, as in the reference code.
 */
export interface AutoClipSpec extends SpecOptions {
  readonly kind: 'autoClip';
  /** In [0, 100]; default 10 (the paper's "set-and-forget" value). 100 never clips, 0 clips to the minimum. */
  readonly percentile?: number;
  /**
   * Keep only the last `window` norms (a positive integer); default (or `"Infinity"`): the whole
   * history, as in the paper.
   */
  readonly window?: number | 'Infinity';
}

/** How ZClip picks the threshold of a spike. */
export type ZClipMode = 'zscore' | 'percentile';
/** In `zscore` mode: the reference's `adaptive_scaling` (default) or `mean`. */
export type ZClipOption = 'adaptiveScaling' | 'mean';

/**
 * ZClip (Kumar et al. 2025): an EMA of the global L2 norm's mean and variance; a norm whose z-score
 * exceeds `z` is a spike and is clipped to an adaptive threshold. During the first `warmup` steps
 * only the hard cap `maxNorm` applies.
 */
export interface ZClipSpec extends SpecOptions {
  readonly kind: 'zClip';
  /** EMA factor in (0, 1); default 0.97. */
  readonly alpha?: number;
  /** z-score threshold, > 0; default 2.5. */
  readonly z?: number;
  /** Warm-up steps that collect norms (a positive integer); default 25. */
  readonly warmup?: number;
  /** Hard cap on the threshold, every step; default 1, `"Infinity"` for none (the reference's `None`). */
  readonly maxNorm?: Threshold;
  /** Added to σ in the z-score; ≥ 0, default 1e-6. */
  readonly eps?: number;
  /** Default `'zscore'`. */
  readonly mode?: ZClipMode;
  /** Default `'adaptiveScaling'`; only read in `zscore` mode. */
  readonly clipOption?: ZClipOption;
  /** Multiplies the adaptive threshold, > 0; default 1. */
  readonly clipFactor?: number;
  /** The reference's `skip_update_on_spike`: a spike leaves the mean and variance unchanged. Default false. */
  readonly skipStatisticsOnSpike?: boolean;
}

/**
 * AdaGC (arXiv 2502.11034): during warm-up, a global clip at `absolute`; afterwards each tensor is
 * clipped at `relative · γ_i`, where γ_i is an EMA (factor `beta`) of that tensor's clipped norm.
 */
export interface AdaGcSpec extends SpecOptions {
  readonly kind: 'adaGC';
  /** EMA factor in [0, 1); default 0.98. */
  readonly beta?: number;
  /** Warm-up global threshold, ≥ 0; default 1 (λ_abs). */
  readonly absolute?: number;
  /** Per-tensor factor on γ_i, ≥ 0; default 1.05 (λ_rel). */
  readonly relative?: number;
  /** Warm-up steps (a positive integer); default 100. */
  readonly warmup?: number;
}

/**
 * Megatron's `grad_norm_skip_threshold`: when the global norm exceeds `maxNorm`, the whole update is
 * skipped (gradients unchanged, `report.skipped = true`; optimizer wrappers skip the step).
 * Otherwise the gradients pass unchanged. Put it first in a `chain` before the clip itself.
 */
export interface SkipOnSpikeSpec extends SpecOptions {
  readonly kind: 'skipOnSpike';
  readonly maxNorm: Threshold;
  /** Default 2. */
  readonly p?: NormOrder;
}

/**
 * Adaptive gradient clipping (Brock et al. 2021, NFNets; Optax `adaptive_grad_clip`): unit-wise,
 * each unit's gradient norm is held to `clipping · max(‖W_i‖, eps)`, a ratio to the norm of the
 * same unit of the parameters. Needs the parameters beside the gradients:
 * `clip(gradients, spec, { parameters })`.
 */
export interface AgcSpec extends SpecOptions {
  readonly kind: 'agc';
  /** λ, ≥ 0; default 0.01 (the paper's value for batch 4096; larger for smaller batches). */
  readonly clipping?: number;
  /** Floor on the parameter norm, ≥ 0; default 1e-3 (so zero-initialised units still train). */
  readonly eps?: number;
  /**
   * Axes each unit's norm is taken over, for every tensor (negative counts from the end). Default,
   * by rank as the reference code (HWIO/IO layouts): ≤ 1 → the whole tensor; 2 or 3 → [0];
   * 4 → [0, 1, 2]; 5 → [0, 1, 2, 3]. PyTorch's OI layouts want [1] (or [1, 2, 3] for convolutions).
   */
  readonly axes?: readonly number[];
  /** Names of tensors left unclipped (the paper leaves the final classifier unclipped). */
  readonly exclude?: readonly string[];
}

/**
 * Optax `clip_by_block_rms`: per tensor, `u / max(1, rms(u) / threshold)` with
 * `rms(u) = ‖u‖₂ / √size` — a per-tensor norm clip whose threshold grows with the tensor's size,
 * `threshold · √size`, applied by the exact rule.
 */
export interface BlockRmsSpec extends SpecOptions {
  readonly kind: 'blockRms';
  readonly threshold: Threshold;
}

/**
 * Per-example clipping (DP-SGD; Optax `per_example_global_norm_clip`, Opacus flat clipping): every
 * tensor holds a batch along axis 0; each example's norm is taken across all tensors, each example
 * is clipped by it, and the examples are then summed (Optax, Opacus), averaged, or kept.
 * `compat: 'pytorch'` gives Opacus's factor `min(1, c / (n + 1e-6))`.
 */
export interface PerExampleSpec extends SpecOptions {
  readonly kind: 'perExample';
  readonly maxNorm: Threshold;
  /** Default 2. */
  readonly p?: NormOrder;
  /** Default `'sum'`: outputs drop the batch axis. `'none'` keeps it. */
  readonly reduce?: PerExampleReduce;
}

export type PerExampleReduce = 'sum' | 'mean' | 'none';

/** One group of `groups`: the tensors it holds and the spec that clips them, with its own norm. */
export interface NormGroup {
  /** Names the group in reports and errors. */
  readonly name: string;
  /** Tensor names; each must be among the call's gradients. */
  readonly tensors?: readonly string[];
  /** A glob over tensor names: `*` matches any run of characters (slashes included), `?` one character. */
  readonly pattern?: string;
  readonly spec: ClipSpec;
}

/**
 * Norm groups (Megatron's separately clipped parameter groups): each tensor goes to the first
 * group that lists it or whose pattern matches its name, and each group is clipped by its own spec
 * over its own tensors only (so its own norm). Tensors no group takes are clipped by `rest`, or
 * left unchanged. A group whose step is skipped (`skipOnSpike`, the `skip` policy) skips the whole
 * update.
 */
export interface NormGroupsSpec extends SpecOptions {
  readonly kind: 'groups';
  readonly groups: readonly NormGroup[];
  readonly rest?: ClipSpec;
}

/**
 * Loss-scale aware clipping (mixed precision): unscale by `lossScale` and clip by the global norm of
 * the unscaled gradients in one pass — each element is `fround(fround(g / lossScale) · s)`, exactly
 * what unscaling then clipping gives. With `nonFinite: 'skip'` an overflow (a NaN or ±∞ from the
 * scaled loss) comes back as `report.skipped` with `report.nonFiniteCount`, the signal for a dynamic
 * loss scaler to back off.
 */
export interface LossScaledSpec extends SpecOptions {
  readonly kind: 'lossScaled';
  /** A power of two (what dynamic loss scalers use), so unscaling is exact. */
  readonly lossScale: number;
  /** Threshold on the unscaled global norm; `"Infinity"` unscales only. */
  readonly maxNorm: Threshold;
  /** 1, 2 (default) or "inf". */
  readonly p?: NormOrder;
}

export type ClipSpec =
  | PerExampleSpec
  | LossScaledSpec
  | NormGroupsSpec
  | AgcSpec
  | BlockRmsSpec
  | ValueSpec
  | NormSpec
  | GlobalNormSpec
  | ChainSpec
  | AutoClipSpec
  | ZClipSpec
  | AdaGcSpec
  | SkipOnSpikeSpec;
export type ClipKind = ClipSpec['kind'];

/** A validated spec with every default filled in and every number resolved (p = ∞ is `Infinity`). */
export type ResolvedSpec =
  | ResolvedPerExampleSpec
  | ResolvedLossScaledSpec
  | ResolvedNormGroupsSpec
  | ResolvedAgcSpec
  | ResolvedBlockRmsSpec
  | ResolvedValueSpec
  | ResolvedNormSpec
  | ResolvedGlobalNormSpec
  | ResolvedChainSpec
  | ResolvedAutoClipSpec
  | ResolvedZClipSpec
  | ResolvedAdaGcSpec
  | ResolvedSkipOnSpikeSpec;

/** The kinds that keep state between calls (a `Clipper` holds it). */
export type StatefulKind = 'autoClip' | 'zClip' | 'adaGC';

interface ResolvedOptions {
  readonly nonFinite: NonFinitePolicy;
  readonly compat: CompatMode;
}

export interface ResolvedValueSpec extends ResolvedOptions {
  readonly kind: 'value';
  readonly min: number;
  readonly max: number;
}

export interface ResolvedNormSpec extends ResolvedOptions {
  readonly kind: 'norm';
  readonly maxNorm: number;
  readonly p: number;
  readonly axes: readonly number[] | undefined;
}

export interface ResolvedGlobalNormSpec extends ResolvedOptions {
  readonly kind: 'globalNorm';
  readonly maxNorm: number;
  readonly p: number;
}

export interface ResolvedChainSpec extends ResolvedOptions {
  readonly kind: 'chain';
  readonly steps: readonly ResolvedSpec[];
}

export interface ResolvedAutoClipSpec extends ResolvedOptions {
  readonly kind: 'autoClip';
  readonly percentile: number;
  /** `Infinity` for the whole history. */
  readonly window: number;
}

export interface ResolvedZClipSpec extends ResolvedOptions {
  readonly kind: 'zClip';
  readonly alpha: number;
  readonly z: number;
  readonly warmup: number;
  readonly maxNorm: number;
  readonly eps: number;
  readonly mode: ZClipMode;
  readonly clipOption: ZClipOption;
  readonly clipFactor: number;
  readonly skipStatisticsOnSpike: boolean;
}

export interface ResolvedAdaGcSpec extends ResolvedOptions {
  readonly kind: 'adaGC';
  readonly beta: number;
  readonly absolute: number;
  readonly relative: number;
  readonly warmup: number;
}

export interface ResolvedSkipOnSpikeSpec extends ResolvedOptions {
  readonly kind: 'skipOnSpike';
  readonly maxNorm: number;
  readonly p: number;
}

export interface ResolvedAgcSpec extends ResolvedOptions {
  readonly kind: 'agc';
  readonly clipping: number;
  readonly eps: number;
  readonly axes: readonly number[] | undefined;
  readonly exclude: readonly string[];
}

export interface ResolvedPerExampleSpec extends ResolvedOptions {
  readonly kind: 'perExample';
  readonly maxNorm: number;
  readonly p: number;
  readonly reduce: PerExampleReduce;
}

export interface ResolvedBlockRmsSpec extends ResolvedOptions {
  readonly kind: 'blockRms';
  readonly threshold: number;
}

export interface ResolvedNormGroup {
  readonly name: string;
  readonly tensors: readonly string[];
  readonly pattern: string | undefined;
  readonly spec: ResolvedSpec;
}

export interface ResolvedNormGroupsSpec extends ResolvedOptions {
  readonly kind: 'groups';
  readonly groups: readonly ResolvedNormGroup[];
  readonly rest: ResolvedSpec | undefined;
}

export interface ResolvedLossScaledSpec extends ResolvedOptions {
  readonly kind: 'lossScaled';
  readonly lossScale: number;
  readonly maxNorm: number;
  readonly p: number;
}
