/** A small SVG line chart with a log-scale y axis, shared by the live pages. */
export interface Series {
  readonly label: string;
  readonly values: readonly number[];
  readonly color: string;
  /** Index where the series became non-finite: drawn as a marker at the top of the frame. */
  readonly nonFiniteAt?: number | null;
}

const W = 720;
const H = 320;
const M = { left: 64, right: 16, top: 16, bottom: 40 };

export function logLineChart(series: readonly Series[], xLabel: string, yLabel: string): string {
  const finite = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v) && v > 0));
  const length = Math.max(1, ...series.map((s) => s.values.length));
  const lo = Math.floor(Math.log10(Math.min(...finite, 1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...finite, 10))));
  const x = (i: number) => M.left + (i / Math.max(1, length - 1)) * (W - M.left - M.right);
  const y = (v: number) => {
    const t = (Math.log10(Math.min(Math.max(v, 10 ** lo), 10 ** hi)) - lo) / (hi - lo);
    return H - M.bottom - t * (H - M.top - M.bottom);
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" class="live-chart">`,
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="currentColor" stroke-opacity="0.3"/>`,
  ];
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let e = lo; e <= hi; e += step) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="currentColor" stroke-opacity="0.1"/>`,
      `<text x="${M.left - 6}" y="${y(10 ** e) + 4}" text-anchor="end" font-size="11" fill="currentColor">1e${e}</text>`,
    );
  }
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="12" fill="currentColor">${xLabel}</text>`,
    `<text x="14" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" font-size="12" fill="currentColor" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})">${yLabel}</text>`,
  );
  series.forEach((s, k) => {
    const points = s.values
      .map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : null))
      .filter((p) => p !== null);
    if (points.length > 0)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points.join(' ')}"/>`,
      );
    if (s.nonFiniteAt !== undefined && s.nonFiniteAt !== null) {
      const px = x(s.nonFiniteAt);
      parts.push(
        `<line x1="${px}" x2="${px}" y1="${M.top}" y2="${H - M.bottom}" stroke="${s.color}" stroke-dasharray="4 3"/>`,
        `<text x="${px + 4}" y="${M.top + 14}" font-size="11" fill="${s.color}" class="non-finite-marker">${s.label}: loss not finite at step ${s.nonFiniteAt + 1}</text>`,
      );
    }
    parts.push(
      `<rect x="${W - M.right - 150}" y="${M.top + 24 + k * 16}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${W - M.right - 136}" y="${M.top + 33 + k * 16}" font-size="11" fill="currentColor">${s.label}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
