import { float64SumErrorBound } from '@gradclip/core/backend';
import { CHUNK_ELEMENTS, jobCount } from './job-list.js';

/** Elements per block in kernels.wat (its global $BLOCK). */
export const BLOCK_ELEMENTS = 4096;
/** Float64 lanes per block: 4 f64x2 accumulators. */
const LANES = 8;
/** Additions after a lane's own, on any path through a block's reduction tree (tail included). */
const BLOCK_TREE_DEPTH = 4;

/**
 * The error bound this backend states for its float64 power sums (core certifies every decision
 * from it and settles the rare undecidable one exactly).
 *
 * The terms (|g| or g² of float32 values) are exact in float64 and non-negative. A float64 sum in
 * any order or tree in which every term goes through at most h rounded additions satisfies
 * |ŝ − S| ≤ γ_h·S with γ_h = h·u / (1 − h·u), u = 2^-53 (Higham, "Accuracy and Stability of
 * Numerical Algorithms", (4.3)–(4.4): each term is multiplied by at most h factors (1 + δ),
 * |δ| ≤ u), hence |ŝ − S| ≤ γ_h / (1 − γ_h)·ŝ = h·u / (1 − 2h·u)·ŝ. That is core's
 * `float64SumErrorBound(ŝ, h + 1)`, which doubles it so that evaluating it in float64 cannot
 * undercut it.
 *
 * Depth of the kernel's tree (kernels.wat, summarize and clampSummarize): at most 512 additions
 * in a lane (4096-element blocks over 8 lanes), 4 in the block's fixed reduction tree (the scalar
 * tail, at most 7 terms, stays below that), at most 64 block sums added into the job's sum
 * (2^18-element jobs), then at most `jobCount(length)` job sums added in job order on the host.
 * The same tree whatever the thread count. Wasm has no flush-to-zero and no fused multiply-add,
 * and sums of float32 powers of order 1 or 2 neither overflow nor underflow float64.
 *
 * For GPT-2's 39M-element embedding (150 jobs) h ≤ 730: 2^-43 relative, where a float32 decision
 * needs 2^-25, so the exact fallback is taken about once in 2^18 decisions.
 */
export function blockedSumErrorBound(sum: number, length: number): number {
  if (length <= 1) return 0;
  const depth =
    BLOCK_ELEMENTS / LANES + BLOCK_TREE_DEPTH + CHUNK_ELEMENTS / BLOCK_ELEMENTS + jobCount(length);
  return float64SumErrorBound(sum, Math.min(depth, length - 1) + 1);
}
