import type { BenchCell } from './bench-report.js';
import type { TorchTiming } from './torch-runner.js';

/** Fills each cell's ratios against the baselines and PyTorch measured in the same run. */
export function ratiosAgainstBaselines(
  cells: readonly BenchCell[],
  torch: readonly TorchTiming[],
): BenchCell[] {
  const median = (backend: string, workload: string) =>
    cells.find((cell) => cell.backend === backend && cell.workload === workload)?.timing.medianMs;
  return cells.map((cell) => {
    const js = median('js-float64-loop', cell.workload);
    const memcpy = median('memcpy-probe', cell.workload);
    const reference = torch.find(
      (timing) =>
        timing.workload === cell.workload &&
        timing.strategy === cell.strategy &&
        timing.threads === cell.threads,
    );
    const ratio = (base: number | undefined) =>
      base === undefined || base <= 0 ? null : cell.timing.medianMs / base;
    return {
      ...cell,
      ratioToJsLoop: ratio(js),
      ratioToMemcpy: ratio(memcpy),
      ratioToTorch: ratio(reference?.medianMs),
    };
  });
}
