/**
 * The playground's report: one self-contained HTML file (inline SVG, no scripts, no network) with
 * the parity matrix as a heatmap, the demo loss curves and gradient-norm traces; every chart is
 * also returned as a standalone SVG.
 */
import { curveDistance, type DemoRun } from './demo-run.js';
import type { ParityRun } from './parity.js';
import { escapeXml, type HeatmapCell, heatmap, lineChart } from './svg-charts.js';

export interface ReportChart {
  /** File-name-safe id, also the figure's `data-chart` attribute. */
  readonly id: string;
  readonly title: string;
  readonly svg: string;
  readonly caption: string;
}

export interface Report {
  readonly html: string;
  readonly charts: readonly ReportChart[];
}

/** The backend label of runs without a clipper. */
export const UNCLIPPED = 'unclipped';

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export function strategyOf(caseId: string): string {
  return caseId.split('/')[0] ?? caseId;
}

function parityChart(parity: ParityRun): ReportChart {
  const strategies = [...new Set(parity.results.map((result) => strategyOf(result.caseId)))];
  const rows = parity.backends.map((backend) => backend.id);
  const cell = (row: number, column: number): HeatmapCell => {
    const backend = parity.backends[row];
    if (backend === undefined || !backend.available) {
      return { text: 'unavailable', tone: 'none', tooltip: backend?.reason ?? '' };
    }
    const results = parity.results.filter(
      (result) =>
        result.backend === backend.id &&
        strategyOf(result.caseId) === strategies[column] &&
        result.status !== 'skip',
    );
    if (results.length === 0) return { text: 'skipped', tone: 'none' };
    const identical = results.filter((result) => result.bitIdentical).length;
    const worst = Math.max(0, ...results.map((result) => result.maxUlp ?? Number.POSITIVE_INFINITY));
    const failed = results.some((result) => result.status === 'fail' || result.status === 'error');
    return {
      text: `${identical}/${results.length} · ${worst} ULP`,
      tone: failed ? 'bad' : identical === results.length ? 'good' : 'allowed',
      tooltip: `${backend.id} × ${strategies[column]}: ${identical} of ${results.length} cases bit-identical; max ${worst} ULP`,
    };
  };
  const { summary } = parity;
  return {
    id: 'parity-matrix',
    title: 'Parity with the float64 oracle',
    svg: heatmap({
      title: 'Parity with the float64 oracle (bit-identical cases · max ULP)',
      rows,
      columns: strategies,
      cell,
    }),
    caption: `${summary.bitIdentical} of ${summary.compared} results bit-identical across ${summary.backends} backends and ${summary.cases} cases; largest distance ${summary.maxUlp} ULP; ${summary.failed} failed.`,
  };
}

function firstNonFinite(values: readonly number[]): number {
  return values.findIndex((value) => !Number.isFinite(value));
}

/**
 * Per experiment: one chart of every clipping setting's per-step loss on a shared log axis (a run
 * that diverged is marked where its loss stopped being finite), a small figure per clipping setting
 * that several backends ran (the overlap check), and the gradient norms as small multiples — one
 * per setting, each on its own axis, so the unclipped spike does not flatten the clipped traces.
 */
function demoCharts(runs: readonly DemoRun[]): ReportChart[] {
  const charts: ReportChart[] = [];
  const experiments = [...new Set(runs.map((run) => run.experiment))];
  for (const experiment of experiments) {
    const ofExperiment = runs.filter((run) => run.experiment === experiment);
    const clippings = [...new Set(ofExperiment.map((run) => run.clipping))];
    // All backends train identically (checked below), so each setting's first run stands for it.
    const representatives = clippings.map(
      (clipping) => ofExperiment.find((run) => run.clipping === clipping) as DemoRun,
    );
    const markers = representatives.flatMap((run) => {
      const index = firstNonFinite(run.stepLoss);
      return index < 0 ? [] : [{ index, label: `${run.clipping}: loss not finite at step ${index + 1}` }];
    });
    const steps = Math.max(0, ...representatives.map((run) => run.stepLoss.length));
    charts.push({
      id: slug(`loss ${experiment}`),
      title: `${experiment}: loss per step, every clipping setting`,
      svg: lineChart({
        title: `${experiment} — batch loss per step`,
        xLabel: 'step',
        yLabel: 'loss',
        logY: true,
        series: representatives.map((run) => ({ label: `clipping: ${run.clipping}`, values: run.stepLoss })),
        markers,
      }),
      caption:
        representatives
          .map((run) => {
            const index = firstNonFinite(run.stepLoss);
            return index < 0
              ? `${run.clipping}: ${run.stepLoss.length} steps, final loss ${formatLoss(run.stepLoss.at(-1))}`
              : `${run.clipping}: diverged — the loss was not finite at step ${index + 1} and training stopped`;
          })
          .join('; ') + ` (${steps} steps at most).`,
    });
    for (const clipping of clippings) {
      const group = ofExperiment.filter((run) => run.clipping === clipping);
      if (group.length < 2) continue;
      const first = group[0] as DemoRun;
      const distance = Math.max(0, ...group.map((run) => curveDistance(run.stepLoss, first.stepLoss)));
      charts.push({
        id: slug(`overlap ${experiment} ${clipping}`),
        title: `${experiment}, clipping ${clipping}: every backend`,
        svg: lineChart({
          title: `${experiment}, ${clipping} — loss per step by backend`,
          xLabel: 'step',
          yLabel: 'loss',
          logY: true,
          small: true,
          series: group.map((run, i) => ({ label: run.backend, values: run.stepLoss, dashed: i > 0 })),
        }),
        caption: `${group.map((run) => run.backend).join(', ')}: the curves overlap exactly — the largest difference between any two backends' losses over ${first.stepLoss.length} steps is ${distance}.`,
      });
    }
    for (const run of representatives) {
      const index = firstNonFinite(run.gradientNormBefore);
      const threshold = run.threshold?.map((value) => value ?? Number.NaN);
      charts.push({
        id: slug(`gradient norm ${experiment} ${run.clipping}`),
        title: `${experiment}: gradient norm${threshold ? ' and threshold' : ''}, clipping ${run.clipping}`,
        svg: lineChart({
          title: `${experiment}, ${run.clipping} — global gradient norm${threshold ? ' and threshold' : ''} per step`,
          xLabel: 'step',
          yLabel: 'norm',
          logY: true,
          small: true,
          series: [
            { label: 'before clipping', values: run.gradientNormBefore },
            { label: 'after clipping', values: run.gradientNormAfter, dashed: true },
            ...(threshold ? [{ label: 'threshold', values: threshold }] : []),
          ],
          markers: index < 0 ? [] : [{ index, label: `not finite at step ${index + 1}` }],
        }),
        caption: `Solid: the norm of the raw gradients; dashed: after clipping (${run.backend}). Largest norm before clipping: ${formatLoss(Math.max(...run.gradientNormBefore.filter(Number.isFinite)))}.${threshold ? ` ${thresholdCaption(run, threshold)}` : ''}`,
      });
    }
  }
  return charts;
}

/**
 * What the threshold trace shows: where it started and ended, and how many steps it clipped —
 * the why behind the loss curve (a threshold that follows an explosion up does not stop it).
 */
function thresholdCaption(run: DemoRun, threshold: readonly number[]): string {
  const clipped = run.gradientNormBefore.filter((norm, i) => run.gradientNormAfter[i] !== norm).length;
  const finite = threshold.filter(Number.isFinite);
  return (
    `Third line: the threshold the clipper computed each step (adaGC after warm-up: √(Σ t_i²) of its per-tensor thresholds), ` +
    `from ${formatLoss(finite[0])} to ${formatLoss(finite.at(-1))}, at most ${formatLoss(Math.max(...finite))}; ` +
    `${clipped} of ${run.gradientNormBefore.length} steps clipped.`
  );
}

function formatLoss(value: number | undefined): string {
  return value === undefined ? '—' : Number(value.toPrecision(4)).toString();
}

export function buildReport(input: {
  readonly parity: ParityRun | null;
  readonly demo: readonly DemoRun[] | null;
}): Report {
  const charts = [
    ...(input.parity ? [parityChart(input.parity)] : []),
    ...(input.demo ? demoCharts(input.demo) : []),
  ];
  const backendRows = (input.parity?.backends ?? [])
    .map(
      (backend) =>
        `<tr><td>${escapeXml(backend.id)}</td><td>${escapeXml(backend.mode)}</td><td>${escapeXml(backend.version)}</td><td>${
          backend.available
            ? `available (manifest allows ${backend.maxUlpAllowed} ULP)`
            : `unavailable: ${escapeXml(backend.reason ?? '')}`
        }</td></tr>`,
    )
    .join('\n');
  const figures = charts
    .map(
      (chart) =>
        `<figure data-chart="${chart.id}">\n${chart.svg}\n<figcaption>${escapeXml(chart.caption)}</figcaption>\n</figure>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gradclip playground report</title>
<style>
body { font-family: sans-serif; margin: 2rem auto; max-width: 960px; color: #222; }
figure { margin: 2rem 0; }
figcaption { font-size: 0.9rem; color: #444; }
table { border-collapse: collapse; font-size: 0.9rem; }
td, th { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; }
</style>
</head>
<body>
<h1>gradclip playground report</h1>
<p>Every backend clips the same gradients with the same spec; each output is compared bit for bit with the float64 oracle.</p>
${input.parity ? `<h2>Backends</h2>\n<table><tr><th>id</th><th>mode</th><th>version</th><th>status</th></tr>\n${backendRows}\n</table>` : ''}
<h2>Charts</h2>
${figures}
</body>
</html>
`;
  return { html, charts };
}
