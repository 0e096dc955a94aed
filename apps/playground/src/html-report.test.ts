import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClipBackend } from '@gradclip/core';
import { conformanceCases } from '@gradclip/core/conformance';
import { createReferenceBackend } from '@gradclip/core/reference';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { DemoRun } from './demo-run.js';
import { buildReport } from './html-report.js';
import { runParity } from './parity.js';
import { fromConformanceCase } from './parity-case.js';

const directory = mkdtempSync(join(tmpdir(), 'gradclip-report-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function demoRun(backend: string, clipping: string, scale: number, experiment = 'regression'): DemoRun {
  // The unclipped run diverges inside epoch 1, as the seeds' regression does: no epoch point.
  const diverges = clipping === 'none';
  const epochLoss = diverges ? [] : Array.from({ length: 20 }, (_, i) => scale * Math.exp(-i / 5) + 0.1);
  const stepLoss = diverges
    ? [1e4, 1e6, 1e9, 1e15, 1e30, Number.POSITIVE_INFINITY]
    : Array.from({ length: 40 }, (_, i) => scale * Math.exp(-i / 10) + 0.1);
  const gradientNormBefore = diverges
    ? [1e3, 1e6, 1e12, 1e20, 7e35, Number.POSITIVE_INFINITY]
    : Array.from({ length: 40 }, (_, i) => 10 * Math.exp(-i / 20) + 1);
  return {
    experiment,
    clipping,
    backend,
    epochLoss,
    stepLoss,
    gradientNormBefore,
    gradientNormAfter:
      clipping === 'none' ? gradientNormBefore : gradientNormBefore.map((n) => Math.min(n, 1)),
  };
}

describe('the HTML report', () => {
  it('renders every chart in headless Chromium', async () => {
    const parity = await runParity({
      backends: [
        {
          id: 'reference',
          mode: 'oracle',
          create: async () => createReferenceBackend() as ClipBackend<unknown>,
        },
        { id: 'onnx', mode: 'cpu', create: () => Promise.reject(new Error('not installed')) },
        // The longest row label of the real matrix: it must not be cut off at the left.
        {
          id: 'gpujs:webasm-threaded',
          mode: 'webasm-threaded',
          create: () => Promise.reject(new Error('not installed')),
        },
      ],
      cases: conformanceCases
        .filter((c) => !c.requires?.includes('largeTensors'))
        .slice(0, 30)
        .map(fromConformanceCase),
    });
    // Fashion-MNIST as the demo runs it: one unclipped run, then clipvalue 1 and an adaptive
    // setting (with its per-step threshold) on each backend.
    const adaptive = (backend: string): DemoRun => {
      const run = demoRun(backend, 'zClip warmup 5, cap 10', 2, 'fashion-mnist');
      return { ...run, threshold: run.stepLoss.map((_, i) => (i < 5 ? 10 : 4 - i / 40)) };
    };
    // Fashion-MNIST trains without clipping too (the helper's 'none' diverges, as the regression does).
    const finite = demoRun('unclipped', 'clipnorm 1', 3, 'fashion-mnist');
    const fashionUnclipped: DemoRun = {
      ...finite,
      clipping: 'none',
      gradientNormAfter: finite.gradientNormBefore,
    };
    const demo = [
      ...['reference', 'tfjs:cpu'].flatMap((backend) => [
        demoRun(backend, 'none', 100),
        demoRun(backend, 'clipnorm 1', 10),
      ]),
      fashionUnclipped,
      ...['reference', 'tfjs:cpu'].flatMap((backend) => [
        demoRun(backend, 'clipvalue 1', 2, 'fashion-mnist'),
        adaptive(backend),
      ]),
    ];
    const { html, charts } = buildReport({ parity, demo });
    expect(charts.map((chart) => chart.id)).toEqual([
      'parity-matrix',
      'loss-regression',
      'overlap-regression-none',
      'overlap-regression-clipnorm-1',
      'gradient-norm-regression-none',
      'gradient-norm-regression-clipnorm-1',
      'loss-fashion-mnist',
      'overlap-fashion-mnist-clipvalue-1',
      'overlap-fashion-mnist-zclip-warmup-5-cap-10',
      'gradient-norm-fashion-mnist-none',
      'gradient-norm-fashion-mnist-clipvalue-1',
      'gradient-norm-fashion-mnist-zclip-warmup-5-cap-10',
    ]);
    expect(charts[1]?.caption).toMatch(/none: diverged — the loss was not finite at step 6/);
    expect(charts[1]?.svg).toContain('data-marker="non-finite"');
    expect(charts[3]?.caption).toMatch(
      /largest difference between any two backends' losses over 40 steps is 0/,
    );
    const file = join(directory, 'report.html');
    writeFileSync(file, html);

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${file}`);
      const rendered = await page.$$eval('figure[data-chart]', (figures) =>
        figures.map((figure) => {
          const svg = figure.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          const paths = [...(svg?.querySelectorAll('path') ?? [])].map((path) => path.getTotalLength());
          const drawnSeries = [...(svg?.querySelectorAll('path') ?? [])]
            .filter((path) => path.hasAttribute('data-series') && path.getTotalLength() > 0)
            .map((path) => path.getAttribute('data-series'));
          return {
            id: figure.getAttribute('data-chart'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            cells: svg?.querySelectorAll('rect[data-tone]').length ?? 0,
            drawnPaths: paths.filter((length) => length > 0).length,
            series: [...new Set(drawnSeries)],
            // Every label inside the chart's frame (e.g. the heatmap's row labels at the left).
            textOutside: [...(svg?.querySelectorAll('text') ?? [])]
              .filter((text) => {
                const t = text.getBoundingClientRect();
                return (
                  box === undefined ||
                  t.left < box.left - 0.5 ||
                  t.right > box.right + 0.5 ||
                  t.top < box.top - 0.5 ||
                  t.bottom > box.bottom + 0.5
                );
              })
              .map((text) => text.textContent),
          };
        }),
      );
      expect(rendered.map((chart) => chart.id)).toEqual(charts.map((chart) => chart.id));
      for (const chart of rendered) {
        expect(chart.width).toBeGreaterThan(100);
        expect(chart.height).toBeGreaterThan(100);
        expect(chart.id === 'parity-matrix' ? chart.cells : chart.drawnPaths).toBeGreaterThan(0);
        expect(chart.textOutside, `${chart.id}: labels outside the frame`).toEqual([]);
      }
      // Fashion-MNIST: every setting's loss curve, and the adaptive run's threshold beside its norms.
      const drawn = (id: string) => rendered.find((chart) => chart.id === id)?.series;
      expect(drawn('loss-fashion-mnist')).toEqual([
        'clipping: none',
        'clipping: clipvalue 1',
        'clipping: zClip warmup 5, cap 10',
      ]);
      expect(drawn('gradient-norm-fashion-mnist-zclip-warmup-5-cap-10')).toEqual([
        'before clipping',
        'after clipping',
        'threshold',
      ]);
      expect(drawn('gradient-norm-fashion-mnist-clipvalue-1')).toEqual(['before clipping', 'after clipping']);
      // Two backends × (reference, unavailable) rows × strategies.
      expect(rendered[0]?.cells).toBeGreaterThanOrEqual(2);
      const png = await page.screenshot({ fullPage: true });
      expect(png.length).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});

describe('the threshold trace of adaptive clippings', () => {
  it('draws the threshold beside the norms and says how many steps it clipped', () => {
    const run = demoRun('reference', 'zClip warmup 5, cap 10', 10);
    const threshold = run.gradientNormBefore.map((_, i) => (i < 5 ? 1 : null));
    const { charts } = buildReport({ parity: null, demo: [{ ...run, threshold }] });
    const norms = charts.find((chart) => chart.id.startsWith('gradient-norm')) as {
      svg: string;
      caption: string;
    };
    expect(norms.svg).toContain('data-series="threshold"');
    expect(norms.caption).toMatch(
      /threshold the clipper computed each step.*from 1 to 1.*40 of 40 steps clipped/,
    );
    // Fixed-threshold settings keep their two-line chart.
    const plain = buildReport({ parity: null, demo: [demoRun('reference', 'clipnorm 1', 10)] });
    expect(plain.charts.find((chart) => chart.id.startsWith('gradient-norm'))?.svg).not.toContain(
      'threshold',
    );
  });
});
