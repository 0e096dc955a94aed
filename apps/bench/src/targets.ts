/**
 * The performance targets of issue 13, evaluated on one run's cells: each with the measured
 * value, the limit, the ratio and a pass/short mark, so a run says by itself where it stands.
 */
import type { BenchCell } from './bench-report.js';
import type { TorchTiming } from './torch-runner.js';

export interface TargetResult {
  /** Stable identifier, e.g. `torch/gpt2-small/value/wasm:in-place:2t`. */
  readonly id: string;
  readonly group: 'wasm-vs-torch' | 'many-small' | 'engine-vs-torch' | 'exact-fallback';
  readonly description: string;
  /** What was measured (ms, or a rate for the fallback). */
  readonly measured: number;
  /** What it is compared with (ms, or the rate's limit). */
  readonly reference: number;
  /** measured / reference. */
  readonly ratio: number;
  /** The largest ratio that passes. */
  readonly limit: number;
  readonly pass: boolean;
  /** Extra context (the floor taken, the counts). */
  readonly note?: string;
}

/** Workloads, strategies and rows of the wasm-vs-PyTorch target. */
export const TORCH_WORKLOADS = ['gpt2-small', 'single-1e7', 'single-1e8'] as const;
export const TORCH_STRATEGIES = ['globalNorm-2', 'globalNorm-inf', 'norm-2', 'norm-inf', 'value'] as const;
export const WASM_ROWS = ['wasm:2t', 'wasm:1t', 'wasm:in-place:2t', 'wasm:in-place:1t'] as const;
/** Engines held to 3× PyTorch (or 1.5× their floor) on GPT-2's global norm. */
export const ENGINE_ROWS = ['tfjs:wasm', 'tfjs:cpu', 'onnx', 'gpujs:webasm'] as const;
/** The small-tensor workload and the single tensor of the same total size. */
export const SMALL_WORKLOAD = 'small-5000x64';
export const SMALL_TWIN = 'single-3.2e5';

export const LIMITS = { torch: 1, small: 2, engine: 3, floor: 1.5, fallback: 0.001 } as const;

const find = (cells: readonly BenchCell[], backend: string, workload: string, strategy: string) =>
  cells.find((cell) => cell.backend === backend && cell.workload === workload && cell.strategy === strategy);

export function evaluateTargets(cells: readonly BenchCell[], torch: readonly TorchTiming[]): TargetResult[] {
  const results: TargetResult[] = [];
  const torchMs = (workload: string, strategy: string, threads: number) =>
    torch.find((t) => t.workload === workload && t.strategy === strategy && t.threads === threads)?.medianMs;
  for (const workload of TORCH_WORKLOADS) {
    for (const strategy of TORCH_STRATEGIES) {
      for (const backend of WASM_ROWS) {
        const cell = find(cells, backend, workload, strategy);
        const reference = cell && torchMs(workload, strategy, cell.threads);
        if (cell === undefined || reference === undefined) continue;
        const ratio = cell.timing.medianMs / reference;
        results.push({
          id: `torch/${workload}/${strategy}/${backend}`,
          group: 'wasm-vs-torch',
          description: `${backend} ${workload} ${strategy} vs PyTorch ${cell.threads}t`,
          measured: cell.timing.medianMs,
          reference,
          ratio,
          limit: LIMITS.torch,
          pass: ratio <= LIMITS.torch,
        });
      }
    }
  }
  for (const backend of WASM_ROWS) {
    for (const strategy of ['globalNorm-2', 'value'] as const) {
      const small = find(cells, backend, SMALL_WORKLOAD, strategy);
      const twin = find(cells, backend, SMALL_TWIN, strategy);
      if (small === undefined || twin === undefined) continue;
      const ratio = small.timing.medianMs / twin.timing.medianMs;
      results.push({
        id: `small/${strategy}/${backend}`,
        group: 'many-small',
        description: `${backend} ${SMALL_WORKLOAD} ${strategy} vs one tensor of 320,000`,
        measured: small.timing.medianMs,
        reference: twin.timing.medianMs,
        ratio,
        limit: LIMITS.small,
        pass: ratio <= LIMITS.small,
      });
    }
  }
  for (const backend of ENGINE_ROWS) {
    const cell = find(cells, backend, 'gpt2-small', 'globalNorm-2');
    const reference = cell && torchMs('gpt2-small', 'globalNorm-2', cell.threads);
    if (cell === undefined || reference === undefined) continue;
    const ratio = cell.timing.medianMs / reference;
    // The engine's floor: its own scale op over the list, plus one read of the gradients at the
    // memcpy probe's speed (a norm has to read them; the probe reads and writes, hence half).
    const scaleOnly = find(cells, backend, 'gpt2-small', 'floor-scale');
    const probe = find(cells, 'memcpy-probe', 'gpt2-small', 'copy');
    const floorMs = scaleOnly && probe ? scaleOnly.timing.medianMs + probe.timing.medianMs / 2 : undefined;
    const floorRatio = floorMs === undefined ? undefined : cell.timing.medianMs / floorMs;
    const pass = ratio <= LIMITS.engine || (floorRatio !== undefined && floorRatio <= LIMITS.floor);
    results.push({
      id: `engine/gpt2-small/globalNorm-2/${backend}`,
      group: 'engine-vs-torch',
      description: `${backend} gpt2-small globalNorm-2 vs PyTorch ${cell.threads}t (≤ 3×, or ≤ 1.5× its floor)`,
      measured: cell.timing.medianMs,
      reference,
      ratio,
      limit: LIMITS.engine,
      pass,
      ...(floorMs !== undefined && floorRatio !== undefined
        ? { note: `floor ${floorMs.toFixed(0)} ms (scale op + one read), ${floorRatio.toFixed(2)}× floor` }
        : {}),
    });
  }
  let certified = 0;
  let exactFallback = 0;
  for (const cell of cells) {
    certified += cell.decisions?.certified ?? 0;
    exactFallback += cell.decisions?.exactFallback ?? 0;
  }
  const decisions = certified + exactFallback;
  if (decisions > 0) {
    const rate = exactFallback / decisions;
    results.push({
      id: 'fallback/all',
      group: 'exact-fallback',
      description: 'exact fallbacks per scale decision, every cell of the run',
      measured: rate,
      reference: LIMITS.fallback,
      ratio: rate / LIMITS.fallback,
      limit: 1,
      pass: rate < LIMITS.fallback,
      note: `${exactFallback} of ${decisions} decisions`,
    });
  }
  return results;
}

const ms = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);

/** The targets as a Markdown table with a pass/short mark per row, and a count. */
export function targetsTable(targets: readonly TargetResult[]): string {
  if (targets.length === 0)
    return 'No target could be evaluated (PyTorch or the workloads were not measured).';
  const rows = ['| target | measured | reference | ratio | limit | mark |', '|---|--:|--:|--:|--:|---|'];
  for (const target of targets) {
    const isRate = target.group === 'exact-fallback';
    const measured = isRate ? `${(target.measured * 100).toFixed(4)}%` : `${ms(target.measured)} ms`;
    const reference = isRate ? `${(target.reference * 100).toFixed(1)}%` : `${ms(target.reference)} ms`;
    const mark = target.pass
      ? 'pass'
      : `**short** (${((target.ratio / target.limit - 1) * 100).toFixed(0)}% over)`;
    rows.push(
      `| ${target.description}${target.note ? ` — ${target.note}` : ''} | ${measured} | ${reference} | ${target.ratio.toFixed(2)}× | ${target.limit}× | ${mark} |`,
    );
  }
  const passed = targets.filter((target) => target.pass).length;
  rows.push('', `${passed} of ${targets.length} targets met.`);
  return rows.join('\n');
}
