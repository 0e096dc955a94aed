import type { ClipSpec } from '@gradclip/core';

export interface BenchStrategy {
  readonly id: string;
  readonly spec: ClipSpec;
  /** Bytes an ideal implementation moves per element: reads plus writes. */
  readonly bytesPerElement: number;
}

/** Thresholds chosen so that every workload is actually clipped (the scale pass runs). */
export const STRATEGIES: readonly BenchStrategy[] = [
  { id: 'globalNorm-2', spec: { kind: 'globalNorm', maxNorm: 1e-3 }, bytesPerElement: 12 },
  { id: 'globalNorm-inf', spec: { kind: 'globalNorm', maxNorm: 1e-4, p: 'inf' }, bytesPerElement: 12 },
  { id: 'norm-2', spec: { kind: 'norm', maxNorm: 1e-3 }, bytesPerElement: 12 },
  { id: 'norm-inf', spec: { kind: 'norm', maxNorm: 1e-4, p: 'inf' }, bytesPerElement: 12 },
  { id: 'value', spec: { kind: 'value', min: -1e-3, max: 1e-3 }, bytesPerElement: 8 },
];

export function strategiesFor(quick: boolean): readonly BenchStrategy[] {
  return quick ? STRATEGIES.filter((strategy) => strategy.id !== 'norm-inf') : STRATEGIES;
}
