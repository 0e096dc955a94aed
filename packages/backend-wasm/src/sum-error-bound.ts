/**
 * The error bound this backend states for its float64 power sums (core certifies decisions from
 * it). Each job adds exact float64 terms (|g| or g² of float32 values) with an error-free
 * transformation per element (Fast2Sum against a power-of-two offset), keeping every rounding error
 * in a float64 compensation term; jobs are merged with TwoSum in job order; the result is
 * `sum + compensation`, rounded once. That is Ogita–Rump–Oishi's Sum2 scheme, whose bound for
 * non-negative terms is |ŝ − S| ≤ u·ŝ + γ²·S, with u = 2^-53 and γ = n·u / (1 − n·u) for n
 * terms (the compensation's own roundings are second order). Doubled, so that evaluating it in
 * float64 cannot undercut it.
 */
export function compensatedSumErrorBound(sum: number, count: number): number {
  if (!Number.isFinite(sum) || count <= 1) return 0;
  const relative = count * 2 ** -53;
  if (relative >= 0.25) return Number.POSITIVE_INFINITY;
  const gamma = relative / (1 - relative);
  return 2 * sum * (2 ** -53 + (gamma * gamma) / (1 - gamma));
}
