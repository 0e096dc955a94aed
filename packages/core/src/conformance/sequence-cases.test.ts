import { describe, expect, it } from 'vitest';
import { readAdaptiveFixture } from '../adaptive/adaptive-sequences.test-support.js';
import { createInexactBackend } from '../adaptive/inexact-backend.test-support.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { checkSequenceCase } from './check-sequence-case.js';
import { isSequenceCase, type SequenceCase } from './sequence-case-format.js';
import { sequenceCases } from './sequence-cases.js';

describe('sequence cases', () => {
  it('cover autoClip, zClip, adaGC and agc, each naming its source', () => {
    expect(new Set(sequenceCases.map((testCase) => (testCase.spec as { kind: string }).kind))).toEqual(
      new Set(['autoClip', 'zClip', 'adaGC', 'agc']),
    );
    for (const testCase of sequenceCases) {
      expect(isSequenceCase(testCase)).toBe(true);
      expect(testCase.source).toMatch(/fixtures\//);
    }
  });

  it('agree with the Python fixtures step by step (thresholds and decisions)', () => {
    for (const testCase of sequenceCases.filter((c) => c.source?.startsWith('fixtures/adaptive/'))) {
      const file = (testCase.source as string).split(' ')[0] as string;
      const fixture = readAdaptiveFixture(new URL(`../../${file}`, import.meta.url));
      testCase.steps.forEach((step, i) => {
        const want = fixture.steps[i] as (typeof fixture.steps)[number];
        const report = step.expect.report;
        const threshold = report.threshold === 'Infinity' ? Number.POSITIVE_INFINITY : report.threshold;
        if (want.thresholds === undefined) expect(threshold, `${testCase.id} ${i}`).toBe(want.threshold);
        else expect(report.perTensorThresholds, `${testCase.id} ${i}`).toEqual(want.thresholds);
        expect([report.clipped, report.scale], `${testCase.id} ${i}`).toEqual([want.clipped, want.scale]);
      });
    }
  });

  for (const [label, create] of [
    ['the reference', () => createReferenceBackend()],
    [
      'inexact sums (relative error 1e-12, as float64 sums in another order)',
      () => createInexactBackend(1e-12),
    ],
  ] as const) {
    it(`pass on ${label}`, async () => {
      const backend = create();
      for (const testCase of sequenceCases) {
        const outcome = await checkSequenceCase(backend, testCase);
        expect(outcome.failures.slice(0, 1), testCase.id).toEqual([]);
        expect(outcome.status).toBe('pass');
      }
    });
  }

  it('fail at the first step that differs, and on a different final state', async () => {
    const backend = createReferenceBackend();
    const original = sequenceCases.find((c) => c.spec.kind === 'zClip') as SequenceCase;
    const steps = original.steps.map((step, i) =>
      i === 2
        ? { ...step, expect: { ...step.expect, report: { ...step.expect.report, threshold: 4 } } }
        : step,
    );
    const broken = await checkSequenceCase(backend, { ...original, steps });
    expect(broken.status).toBe('fail');
    expect(broken.failures).toHaveLength(1);
    expect(broken.failures[0]?.detail).toMatch(/^step 3 of 32: report: threshold 5 ≠ 4/);
    const state = await checkSequenceCase(backend, { ...original, finalState: { kind: 'zClip' } });
    expect(state.failures[0]?.detail).toMatch(/state after the last step/);
  });
});
