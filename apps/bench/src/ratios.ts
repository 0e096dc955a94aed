import type { BenchCell } from './bench-report.js';
import type { TorchTiming } from './torch-runner.js';

/** Fills each cell's ratios against the baselines and PyTorch measured in the same run. */
export function ratiosAgainstBaselines(
  cells: readonly BenchCell[],
  torch: readonly TorchTiming[],
): BenchCell[] {
  const find = (backend: string, workload: string) =>
    cells.find((cell) => cell.backend === backend && cell.workload === workload);
  const median = (backend: string, workload: string) => find(backend, workload)?.timing.medianMs;
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
    const probe = find('memcpy-probe', cell.workload)?.gigabytesPerSecond;
    return {
      ...cell,
      ofMemcpyBandwidth:
        probe === undefined || !(probe > 0) || !Number.isFinite(cell.gigabytesPerSecond)
          ? null
          : cell.gigabytesPerSecond / probe,
      ratioToJsLoop: ratio(js),
      ratioToMemcpy: ratio(memcpy),
      ratioToTorch: ratio(reference?.medianMs),
    };
  });
}
