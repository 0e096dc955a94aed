// Coefficients 1/(2k+1) of the atanh series, computed once; division is correctly rounded, so
// they are the same bits everywhere.
const SERIES = Array.from({ length: 15 }, (_, k) => 1 / (2 * k + 1));

/**
 * Natural logarithm from +, −, ×, ÷ only, so its bits are the same on every JavaScript engine
 * (`Math.log` is "implementation-approximated" by the ECMAScript spec and differs in the last bit
 * between engines). Accurate to about 1 ulp for finite x > 0; `NaN` for x ≤ 0 or non-finite x.
 */
export function deterministicLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Number.NaN;
  // x = m · 2^e with m in [√½, √2): scaling by 2 is exact, so the reduction adds no error.
  let m = x;
  let e = 0;
  while (m >= Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  while (m < Math.SQRT1_2) {
    m *= 2;
    e -= 1;
  }
  // ln m = 2·atanh(t) with t = (m − 1)/(m + 1), |t| ≤ 0.1716: 15 odd terms reach 1e-23.
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let series = 0;
  for (let k = SERIES.length - 1; k >= 0; k--) series = series * t2 + (SERIES[k] as number);
  return 2 * t * series + e * Math.LN2;
}
