import { curveDistance, type DemoRun } from './demo-run.js';

/** Per experiment and clipping: the final loss, and how far apart the backends' curves are. */
export function formatDemo(runs: readonly DemoRun[]): string {
  const groups = new Map<string, DemoRun[]>();
  for (const run of runs) {
    const key = `${run.experiment} · ${run.clipping}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const lines = ['experiment · clipping                     backends  final loss    max curve difference'];
  for (const [key, group] of groups) {
    const first = group[0] as DemoRun;
    const last = first.epochLoss[first.epochLoss.length - 1];
    const distance = Math.max(0, ...group.map((run) => curveDistance(run.epochLoss, first.epochLoss)));
    lines.push(
      `${key.padEnd(40)}  ${String(group.length).padEnd(8)}  ${String(last === undefined ? '-' : Number(last.toPrecision(5))).padEnd(12)}  ${group.length > 1 ? distance : '-'}`,
    );
  }
  return lines.join('\n');
}
