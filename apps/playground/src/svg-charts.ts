/**
 * Small, dependency-free SVG charts: the report must be one self-contained file that renders
 * without scripts or network, and the same SVG is written next to it as a standalone file.
 */

const WIDTH = 640;
const FULL_HEIGHT = 320;
const MARGIN = { top: 36, right: 16, bottom: 44, left: 64 };
const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
];

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e4 || magnitude < 1e-2
    ? value.toExponential(1)
    : Number(value.toPrecision(3)).toString();
}

export interface LineSeries {
  readonly label: string;
  /** y values at x = 0, 1, 2, …; non-finite values break the line. */
  readonly values: readonly number[];
  readonly dashed?: boolean;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Log scale on y (values ≤ 0 are dropped). */
  readonly logY?: boolean;
  /** Vertical markers, e.g. where a series became non-finite. */
  readonly markers?: readonly { readonly index: number; readonly label: string }[];
  /** Smaller figure (half height), for small multiples. */
  readonly small?: boolean;
}

export function lineChart(options: LineChartOptions): string {
  const HEIGHT = options.small ? 200 : FULL_HEIGHT;
  const transform = (value: number) => (options.logY ? Math.log10(value) : value);
  const usable = (value: number) => Number.isFinite(value) && (!options.logY || value > 0);
  const all = options.series.flatMap((series) => series.values.filter(usable).map(transform));
  const length = Math.max(1, ...options.series.map((series) => series.values.length));
  let low = all.length > 0 ? Math.min(...all) : 0;
  let high = all.length > 0 ? Math.max(...all) : 1;
  if (low === high) {
    low -= 0.5;
    high += 0.5;
  }
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) => MARGIN.left + (length <= 1 ? 0 : (i / (length - 1)) * plotWidth);
  const y = (value: number) =>
    MARGIN.top + plotHeight - ((transform(value) - low) / (high - low)) * plotHeight;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => low + t * (high - low));
  const parts: string[] = [];
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="#fff" stroke="#ccc"/>`,
  );
  for (const tick of ticks) {
    const ty = MARGIN.top + plotHeight - ((tick - low) / (high - low)) * plotHeight;
    const label = options.logY ? formatTick(10 ** tick) : formatTick(tick);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${(ty + 4).toFixed(1)}" text-anchor="end" font-size="11">${label}</text>`,
    );
  }
  parts.push(`<text x="${MARGIN.left}" y="${HEIGHT - 10}" font-size="11">0</text>`);
  parts.push(
    `<text x="${MARGIN.left + plotWidth}" y="${HEIGHT - 10}" text-anchor="end" font-size="11">${length - 1}</text>`,
  );
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 10}" text-anchor="middle" font-size="12">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${MARGIN.top + plotHeight / 2}" transform="rotate(-90 14 ${MARGIN.top + plotHeight / 2})" text-anchor="middle" font-size="12">${escapeXml(options.yLabel)}${options.logY ? ' (log)' : ''}</text>`,
  );
  options.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length] as string;
    const segments: string[] = [];
    let current = '';
    series.values.forEach((value, i) => {
      if (!usable(value)) {
        if (current) segments.push(current);
        current = '';
        return;
      }
      current += `${current ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
    });
    if (current) segments.push(current);
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    for (const d of segments) {
      parts.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${dash} data-series="${escapeXml(series.label)}"/>`,
      );
    }
    const legendY = MARGIN.top + 14 + index * 14;
    parts.push(
      `<line x1="${MARGIN.left + 8}" x2="${MARGIN.left + 26}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    parts.push(
      `<text x="${MARGIN.left + 30}" y="${legendY}" font-size="11">${escapeXml(series.label)}</text>`,
    );
  });
  for (const marker of options.markers ?? []) {
    const mx = x(marker.index).toFixed(1);
    const anchor = marker.index > (length - 1) / 2 ? 'end' : 'start';
    const tx = (x(marker.index) + (anchor === 'end' ? -4 : 4)).toFixed(1);
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#d62728" stroke-dasharray="3 3" data-marker="non-finite"/>`,
      `<text x="${tx}" y="${MARGIN.top + plotHeight - 6}" text-anchor="${anchor}" font-size="11" fill="#d62728">${escapeXml(marker.label)}</text>`,
    );
  }
  return svg(options.title, parts, WIDTH, HEIGHT);
}

export interface HeatmapCell {
  readonly text: string;
  /** 'good' (bit-identical), 'allowed' (within the manifest), 'bad', 'none' (skipped/unavailable). */
  readonly tone: 'good' | 'allowed' | 'bad' | 'none';
  readonly tooltip?: string;
}

const TONES = { good: '#2ca02c', allowed: '#f2c94c', bad: '#d62728', none: '#d0d0d0' } as const;

export function heatmap(options: {
  readonly title: string;
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  readonly cell: (row: number, column: number) => HeatmapCell;
}): string {
  const longest = Math.max(0, ...options.rows.map((row) => row.length));
  const left = Math.max(140, Math.ceil(longest * 7.2) + 20);
  const top = 56;
  const cellWidth = Math.max(90, Math.floor((WIDTH - left - 16) / Math.max(1, options.columns.length)));
  const cellHeight = 30;
  const width = left + cellWidth * options.columns.length + 16;
  const height = top + cellHeight * options.rows.length + 16;
  const parts: string[] = [];
  options.columns.forEach((column, c) => {
    parts.push(
      `<text x="${left + c * cellWidth + cellWidth / 2}" y="${top - 8}" text-anchor="middle" font-size="12">${escapeXml(column)}</text>`,
    );
  });
  options.rows.forEach((row, r) => {
    parts.push(
      `<text x="${left - 8}" y="${top + r * cellHeight + 19}" text-anchor="end" font-size="12">${escapeXml(row)}</text>`,
    );
    options.columns.forEach((_, c) => {
      const cell = options.cell(r, c);
      const x = left + c * cellWidth;
      const y = top + r * cellHeight;
      parts.push(
        `<rect x="${x + 1}" y="${y + 1}" width="${cellWidth - 2}" height="${cellHeight - 2}" fill="${TONES[cell.tone]}" data-tone="${cell.tone}"><title>${escapeXml(cell.tooltip ?? cell.text)}</title></rect>`,
      );
      parts.push(
        `<text x="${x + cellWidth / 2}" y="${y + 19}" text-anchor="middle" font-size="11" fill="${cell.tone === 'bad' ? '#fff' : '#000'}">${escapeXml(cell.text)}</text>`,
      );
    });
  });
  return svg(options.title, parts, width, height);
}

/** Bold sans-serif glyphs average under this many ems; a longer title gets a smaller font. */
const TITLE_EM_PER_CHARACTER = 0.62;

function svg(title: string, parts: readonly string[], width = WIDTH, height = FULL_HEIGHT): string {
  // Long titles (an experiment and an adaptive setting's label) would run past the frame at 14 px.
  const fontSize = Math.min(14, Math.floor((width - 24) / (title.length * TITLE_EM_PER_CHARACTER)));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="${fontSize}" font-weight="bold">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
