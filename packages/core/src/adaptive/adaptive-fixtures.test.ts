/**
 * The adaptive kinds against fixtures from an independent implementation of each paper's
 * algorithm (`scripts/generate-adaptive-fixtures.py`): every step's threshold, clip decision,
 * float32 scale and output bits, and the state at a checkpoint and at the end, bit for bit; then
 * the same sequences resumed from the checkpoint's state through JSON.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Clipper, createClipper } from '../clipper.js';
import type { HostTensor } from '../reference/host-tensor.js';
import type { ClipReport } from '../report.js';
import {
  type AdaptiveFixture,
  type AdaptiveFixtureStep,
  gradientSequence,
  outputChecksum,
  readAdaptiveFixture,
} from './adaptive-sequences.test-support.js';

const folder = fileURLToPath(new URL('../../fixtures/adaptive/', import.meta.url));
const fixtures: AdaptiveFixture[] = readdirSync(folder)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => readAdaptiveFixture(`${folder}${file}`));

function expectStep(fixture: AdaptiveFixture, step: number, report: ClipReport, checksum: number): void {
  const want = fixture.steps[step] as AdaptiveFixtureStep;
  const where = `${fixture.name} step ${step + 1}`;
  expect(Math.fround(report.normBefore), where).toBe(want.norm32);
  if (want.thresholds === undefined) expect(report.threshold, where).toBe(want.threshold);
  else expect(report.perTensorThresholds, where).toEqual(want.thresholds);
  expect(report.clipped, where).toBe(want.clipped);
  expect(report.scale, where).toBe(want.scale);
  expect(checksum, where).toBe(want.checksum);
}

describe('adaptive kinds against the independent Python implementation', () => {
  it('has fixtures for every stateful kind', () => {
    expect(new Set(fixtures.map((fixture) => fixture.spec.kind))).toEqual(
      new Set(['autoClip', 'zClip', 'adaGC']),
    );
  });

  for (const fixture of fixtures) {
    it(`${fixture.name}: ${fixture.steps.length} steps, state at step ${fixture.checkpoint} and at the end`, () => {
      const clipper = createClipper(fixture.spec);
      let step = 0;
      let resumed: Clipper<HostTensor> | undefined;
      for (const gradients of gradientSequence(fixture.sequence)) {
        const { gradients: output, report } = clipper.clipSync(gradients);
        expectStep(fixture, step, report, outputChecksum(output));
        if (resumed !== undefined) {
          const again = resumed.clipSync(gradients);
          expectStep(fixture, step, again.report, outputChecksum(again.gradients));
        }
        step++;
        if (step === fixture.checkpoint) {
          expect(clipper.state).toEqual(fixture.checkpointState);
          // A checkpoint through JSON text resumes the same sequence, bit for bit.
          const saved = JSON.parse(JSON.stringify(clipper.toJSON()));
          resumed = createClipper(saved.spec, { state: saved.state });
        }
      }
      expect(clipper.state).toEqual(fixture.finalState);
      expect(resumed?.state).toEqual(fixture.finalState);
    });
  }
});
