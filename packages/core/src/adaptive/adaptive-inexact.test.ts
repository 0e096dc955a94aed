/**
 * State is bit-identical on every backend: the reference backend (exact sums) and backends whose
 * sums are off within their stated bounds — tight (core certifies nearly every value from the
 * bounds) and loose (core falls back to exact host sums often) — run 1,000 steps of each adaptive
 * kind in lockstep; every threshold, every output bit and the state after every step agree.
 */
import { describe, expect, it } from 'vitest';
import { createClipper } from '../clipper.js';
import type { ClipSpec } from '../spec.js';
import {
  type GradientSequence,
  gradientSequence,
  outputChecksum,
} from './adaptive-sequences.test-support.js';
import { createInexactBackend } from './inexact-backend.test-support.js';

const sequence = (seed: number, spikeFactor: number): GradientSequence => ({
  seed,
  steps: 1000,
  spikeRate: 0.04,
  spikeFactor,
  shapes: [[6, 5], [5], [12]],
  names: ['dense/kernel', 'dense/bias', 'head'],
  tensorScales: [0.3, 0.1, 0.2],
});

const SPECS: readonly [string, ClipSpec, GradientSequence][] = [
  ['autoClip (window 200)', { kind: 'autoClip', percentile: 10, window: 200 }, sequence(101, 25)],
  ['zClip (defaults, uncapped)', { kind: 'zClip', maxNorm: 'Infinity' }, sequence(102, 30)],
  ['adaGC (defaults)', { kind: 'adaGC' }, sequence(103, 30)],
  [
    'chain: skipOnSpike, then zClip (percentile mode)',
    {
      kind: 'chain',
      steps: [
        { kind: 'skipOnSpike', maxNorm: 20 },
        { kind: 'zClip', mode: 'percentile', maxNorm: 3 },
      ],
    },
    sequence(104, 40),
  ],
];

describe('adaptive state on inexact backends', () => {
  for (const [title, spec, gradients] of SPECS) {
    it(`${title}: 1,000 steps, identical state bits on exact, tight and loose sums`, () => {
      const clippers = [
        createClipper(spec),
        createClipper(spec, { backend: createInexactBackend(2 ** -40, 7) }),
        createClipper(spec, { backend: createInexactBackend(1e-3, 8) }),
      ];
      let fallbacks = 0;
      let acted = 0;
      let step = 0;
      for (const input of gradientSequence(gradients)) {
        const [exact, ...others] = clippers.map((clipper) => clipper.clipSync(input));
        if (exact === undefined) throw new Error('no result');
        if (exact.report.clipped || exact.report.skipped) acted++;
        const want = outputChecksum(exact.gradients);
        for (const other of others) {
          expect(outputChecksum(other.gradients), `step ${step + 1}`).toBe(want);
          expect(other.report.threshold, `step ${step + 1}`).toBe(exact.report.threshold);
          expect(other.report.skipped, `step ${step + 1}`).toBe(exact.report.skipped);
        }
        fallbacks += others[1]?.report.decisions?.exactFallback ?? 0;
        const state = JSON.stringify(clippers[0]?.state);
        for (const clipper of clippers.slice(1))
          expect(JSON.stringify(clipper.state), `step ${step + 1}`).toBe(state);
        step++;
      }
      expect(step).toBe(1000);
      // The loose backend's bounds could not decide everything: the exact fallback was exercised.
      expect(fallbacks).toBeGreaterThan(0);
      expect(acted).toBeGreaterThan(10);
    });
  }
});
