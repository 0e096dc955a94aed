import type { BenchReport } from './bench-report.js';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Colour of a ratio on a log scale: green ≤ 1 (faster than the reference), red ≥ 8. */
export function ratioColour(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '#e5e5e5';
  const t = Math.min(1, Math.max(0, Math.log2(Math.max(ratio, 1e-9)) / 3));
  const hue = 120 * (1 - t);
  return `hsl(${hue.toFixed(0)}, 70%, ${ratio <= 1 ? 60 : 70}%)`;
}

/**
 * A dependency-free SVG heatmap: rows are backend × strategy, columns workloads, each cell the
 * median in ms coloured by its ratio to `ratio` (PyTorch at the same threads, or the JS loop).
 */
export function heatmapSvg(
  report: BenchReport,
  ratio: 'ratioToTorch' | 'ratioToJsLoop' = 'ratioToJsLoop',
): string {
  const workloads = [...new Set(report.cells.map((cell) => cell.workload))];
  const rows = [...new Set(report.cells.map((cell) => `${cell.backend} · ${cell.strategy}`))];
  const cellWidth = 110;
  const cellHeight = 22;
  const left = 260;
  const top = 60;
  const width = left + workloads.length * cellWidth + 20;
  const height = top + rows.length * cellHeight + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="20" font-size="14">gradclip bench (${report.mode}) — median ms, colour: ${ratio === 'ratioToTorch' ? 'ratio to PyTorch' : 'ratio to the plain-JS float64 loop'} (green ≤ 1)</text>`,
    `<text x="10" y="38">load average ${report.machine.loadAverageStart.map((v) => v.toFixed(2)).join(' ')} → ${report.machine.loadAverageEnd.map((v) => v.toFixed(2)).join(' ')}; ${escapeXml(report.machine.cpuModel)} ×${report.machine.cpuCount}</text>`,
  ];
  workloads.forEach((workload, c) => {
    parts.push(
      `<text x="${left + c * cellWidth + cellWidth / 2}" y="${top - 6}" text-anchor="middle">${escapeXml(workload)}</text>`,
    );
  });
  rows.forEach((row, r) => {
    const y = top + r * cellHeight;
    parts.push(`<text x="${left - 6}" y="${y + 15}" text-anchor="end">${escapeXml(row)}</text>`);
    workloads.forEach((workload, c) => {
      const cell = report.cells.find(
        (candidate) =>
          `${candidate.backend} · ${candidate.strategy}` === row && candidate.workload === workload,
      );
      const x = left + c * cellWidth;
      const value = cell ? cell[ratio] : null;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cellWidth - 2}" height="${cellHeight - 2}" fill="${ratioColour(value)}"/>`,
      );
      if (cell) {
        const label = `${cell.timing.medianMs < 10 ? cell.timing.medianMs.toFixed(2) : cell.timing.medianMs.toFixed(0)} ms${value === null ? '' : ` ×${value.toFixed(2)}`}`;
        parts.push(
          `<text x="${x + cellWidth / 2 - 1}" y="${y + 14}" text-anchor="middle">${escapeXml(label)}</text>`,
        );
      }
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
