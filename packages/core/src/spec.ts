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

export type ClipSpec = ValueSpec | NormSpec | GlobalNormSpec | ChainSpec;
export type ClipKind = ClipSpec['kind'];

/** A validated spec with every default filled in and every number resolved (p = ∞ is `Infinity`). */
export type ResolvedSpec = ResolvedValueSpec | ResolvedNormSpec | ResolvedGlobalNormSpec | ResolvedChainSpec;

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
