import { describe, expect, it } from 'vitest';
import {
  BENCH_SCHEMA_VERSION,
  type BenchCell,
  type BenchReport,
  markdownTable,
  validateReport,
} from './bench-report.js';
import { ratiosAgainstBaselines } from './ratios.js';
import { timingStatistics } from './statistics.js';
import { heatmapSvg, ratioColour } from './svg-chart.js';

function cell(backend: string, medianMs: number, threads = 1, strategy = 'globalNorm-2'): BenchCell {
  return {
    backend,
    threads,
    workload: 'gpt2-small',
    strategy,
    elements: 100,
    tensors: 2,
    firstCallMs: medianMs * 2,
    timing: timingStatistics([medianMs]),
    gigabytesPerSecond: 1,
    peakMemoryBytes: 0,
    ratioToJsLoop: null,
    ratioToMemcpy: null,
    ratioToTorch: null,
  };
}

function report(cells: BenchCell[]): BenchReport {
  return {
    schemaVersion: BENCH_SCHEMA_VERSION,
    startedAt: '2026-01-01T00:00:00.000Z',
    mode: 'quick',
    machine: {
      cpuModel: 'test',
      cpuCount: 2,
      node: 'v20',
      loadAverageStart: [1, 1, 1],
      loadAverageEnd: [1, 1, 1],
    },
    backends: [{ id: 'wasm:2t', status: 'ran' }],
    cells,
    torch: { available: false, reason: 'not in tests' },
  };
}

describe('ratiosAgainstBaselines', () => {
  it('divides by the same workload’s baselines and by PyTorch at the same thread count', () => {
    const cells = ratiosAgainstBaselines(
      [
        cell('js-float64-loop', 400),
        cell('memcpy-probe', 20, 1, 'copy'),
        cell('wasm:2t', 40, 2),
        cell('wasm:1t', 60, 1),
      ],
      [
        {
          workload: 'gpt2-small',
          strategy: 'globalNorm-2',
          threads: 1,
          medianMs: 66,
          q1Ms: 65,
          q3Ms: 67,
          firstCallMs: 70,
          runs: 5,
        },
        {
          workload: 'gpt2-small',
          strategy: 'globalNorm-2',
          threads: 2,
          medianMs: 50,
          q1Ms: 49,
          q3Ms: 51,
          firstCallMs: 55,
          runs: 5,
        },
      ],
    );
    const wasm2 = cells.find((c) => c.backend === 'wasm:2t');
    expect(wasm2?.ratioToJsLoop).toBe(0.1);
    expect(wasm2?.ratioToMemcpy).toBe(2);
    expect(wasm2?.ratioToTorch).toBe(0.8);
    expect(cells.find((c) => c.backend === 'wasm:1t')?.ratioToTorch).toBe(60 / 66);
    expect(cells.find((c) => c.backend === 'memcpy-probe')?.ratioToTorch).toBeNull();
  });
});

describe('the report', () => {
  it('validates a well-formed report and names what is wrong in a broken one', () => {
    const good = report([cell('wasm:2t', 10)]);
    expect(validateReport(JSON.parse(JSON.stringify(good)))).toEqual([]);
    const broken = JSON.parse(JSON.stringify(good));
    broken.cells[0].timing.runs = 0;
    broken.cells[0].elements = '100';
    broken.mode = 'slow';
    expect(validateReport(broken)).toEqual([
      'mode is slow',
      'cells[0].elements is not a number',
      'cells[0].timing is incomplete',
    ]);
    expect(validateReport(null)).toEqual(['the report is not an object']);
  });

  it('renders a Markdown row per cell and an SVG heatmap with the machine load', () => {
    const value = report([cell('wasm:2t', 10), cell('wasm:1t', 20)]);
    const table = markdownTable(value).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toContain('| wasm:2t | gpt2-small | globalNorm-2 | 10.00 |');
    const svg = heatmapSvg(value);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('load average 1.00 1.00 1.00');
    expect(svg.match(/<rect /g)).toHaveLength(2);
  });

  it('colours ratios green at or below 1 and red above', () => {
    expect(ratioColour(0.5)).toBe('hsl(120, 70%, 60%)');
    expect(ratioColour(8)).toBe('hsl(0, 70%, 70%)');
    expect(ratioColour(null)).toBe('#e5e5e5');
  });
});
