import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playgroundBackends } from './backends.js';
import { ADAPTIVE_CLIPPINGS, runDemo, WITH_CLIPPING } from './demo.js';
import { curveDistance, type DemoRun } from './demo-run.js';

/** Report norms are float64 sums a backend may accumulate in another order (the contract fixes the clipped bits). */
function expectCloseNorms(actual: readonly number[] | undefined, expected: readonly number[] | undefined) {
  expect(actual?.length).toBe(expected?.length);
  (actual ?? []).forEach((value, i) => {
    const want = expected?.[i] as number;
    if (Object.is(value, want)) return;
    expect(Math.abs(value - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
  });
}

describe('runDemo', () => {
  it('trains each clipping through every backend, with identical curves across backends', async () => {
    const backends = [
      ...playgroundBackends.filter((backend) => backend.id === 'reference' || backend.id === 'tfjs:cpu'),
      { id: 'broken', mode: 'test', create: () => Promise.reject(new Error('not installed')), inDemo: true },
    ];
    const { runs, unavailable, unavailableExperiments } = await runDemo({
      backends,
      regressionEpochs: 3,
      addingEpochs: 1,
      // 10 steps of 32 images: past the 5-step warm-ups, a few seconds a run.
      fashionMnist: { trainLimit: 320, evaluationLimit: 100 },
    });
    expect(unavailable).toEqual([{ id: 'broken', reason: 'not installed' }]);
    expect(unavailableExperiments).toEqual([]);
    const adaptive = ADAPTIVE_CLIPPINGS.map(({ label }) => label);
    expect(runs.map((run) => `${run.experiment}/${run.clipping}/${run.backend}`)).toEqual([
      'regression/none/unclipped',
      'adding/none/unclipped',
      'fashion-mnist/none/unclipped',
      ...['reference', 'tfjs:cpu'].flatMap((backend) => [
        `regression/clipvalue 5/${backend}`,
        `regression/clipnorm 1/${backend}`,
        `regression/global_clipnorm 1/${backend}`,
        ...adaptive.map((label) => `regression/${label}/${backend}`),
        `adding/globalNorm 1/${backend}`,
        ...adaptive.map((label) => `adding/${label}/${backend}`),
        `fashion-mnist/clipvalue 1/${backend}`,
        ...adaptive.map((label) => `fashion-mnist/${label}/${backend}`),
      ]),
      `adding/zClip warmup 5, cap 10/${WITH_CLIPPING}`,
    ]);
    // Without clipping the seed's regression diverges in its first epoch.
    expect(Number.isFinite(runs[0]?.epochLoss[0])).toBe(false);
    const groups = ['regression', 'adding', 'fashion-mnist'].flatMap((experiment) =>
      ['clipvalue 5', 'clipnorm 1', 'global_clipnorm 1', 'globalNorm 1', 'clipvalue 1', ...adaptive].map(
        (clipping) => runs.filter((run) => run.experiment === experiment && run.clipping === clipping),
      ),
    );
    for (const group of groups.filter((runs) => runs.length > 0)) {
      const [reference, ...others] = group as [DemoRun, ...DemoRun[]];
      expect(others.length).toBeGreaterThan(0);
      for (const other of others) {
        const label = `${other.experiment}/${other.clipping}/${other.backend}`;
        expect(curveDistance(reference.stepLoss, other.stepLoss), label).toBe(0);
        expect(curveDistance(reference.epochLoss, other.epochLoss), label).toBe(0);
        // Thresholds come from certified float32 norms: the same bits on every backend.
        expect(other.threshold, label).toEqual(reference.threshold);
        expectCloseNorms(other.gradientNormBefore, reference.gradientNormBefore);
        expectCloseNorms(other.gradientNormAfter, reference.gradientNormAfter);
      }
    }
    for (const clipping of ['clipvalue 5', 'clipnorm 1', 'global_clipnorm 1']) {
      const reference = runs.find((run) => run.clipping === clipping);
      expect(reference?.epochLoss.every(Number.isFinite)).toBe(true);
    }
    const clipped = runs.find((run) => run.clipping === 'global_clipnorm 1');
    expect(Math.max(...(clipped?.gradientNormAfter ?? []))).toBeLessThanOrEqual(1 + 1e-6);
    for (const run of runs) {
      expect(run.threshold === undefined, run.clipping).toBe(!adaptive.includes(run.clipping));
      if (run.threshold) expect(run.threshold).toHaveLength(run.stepLoss.length);
    }
    const adding = runs.filter((run) => run.experiment === 'adding');
    const plain = adding.find((run) => run.clipping === 'none') as DemoRun;
    const zClip = adding.find(
      (run) => run.clipping === 'zClip warmup 5, cap 10' && run.backend === 'reference',
    ) as DemoRun;
    const inOptimizer = adding.find((run) => run.backend === WITH_CLIPPING) as DemoRun;
    // Plain SGD: the norm explodes past 10^6 and the loss ends far above where it started.
    expect(Math.max(...plain.gradientNormBefore.filter(Number.isFinite))).toBeGreaterThan(1e6);
    expect(plain.stepLoss.at(-1)).toBeGreaterThan(10 * (plain.stepLoss[0] as number));
    // zClip: every step finite, its worst loss far below plain SGD's (over the full demo's 30 steps
    // the loss falls from 1.29 to 0.18), no clipped norm above its threshold.
    expect(zClip.stepLoss.every(Number.isFinite)).toBe(true);
    expect(Math.max(...zClip.stepLoss)).toBeLessThan(1e-6 * Math.max(...plain.stepLoss));
    const threshold = zClip.threshold as readonly number[];
    // Warm-up: the hard cap; afterwards the z-score threshold, never above the cap.
    expect(threshold.slice(0, 5)).toEqual([10, 10, 10, 10, 10]);
    for (const [i, value] of threshold.entries()) {
      expect(value).toBeLessThanOrEqual(10);
      expect(zClip.gradientNormAfter[i]).toBeLessThanOrEqual(value * (1 + 1e-6));
    }
    expect(zClip.gradientNormBefore.some((norm, i) => norm > 100 * (threshold[i] as number))).toBe(true);
    // withClipping(sgd, zClip) inside the optimizer trains the same model, bit for bit.
    expect(curveDistance(inOptimizer.stepLoss, zClip.stepLoss)).toBe(0);
    expect(inOptimizer.threshold).toEqual(zClip.threshold);

    // Fashion-MNIST: every setting trains its 10 steps with a finite loss; the adaptive runs record
    // a threshold every step and no clipped norm lies above it.
    const fashion = runs.filter((run) => run.experiment === 'fashion-mnist');
    for (const run of fashion) {
      const label = `${run.clipping}/${run.backend}`;
      expect(run.stepLoss, label).toHaveLength(10);
      expect(run.stepLoss.every(Number.isFinite), label).toBe(true);
      for (const [i, value] of (run.threshold ?? []).entries()) {
        expect(value, label).not.toBeNull();
        expect(run.gradientNormAfter[i], label).toBeLessThanOrEqual((value as number) * (1 + 1e-6));
      }
    }
    const fashionRun = (clipping: string) =>
      fashion.find((run) => run.clipping === clipping && run.backend === 'reference') as DemoRun;
    // The warm-ups' thresholds are the specs' own: zClip's cap 10, adaGC's absolute threshold 1
    // (its default λ_abs) — below Fashion-MNIST's norms of a few units, so adaGC clips them all.
    expect(fashionRun('zClip warmup 5, cap 10').threshold?.slice(0, 5)).toEqual([10, 10, 10, 10, 10]);
    const adaGc = fashionRun('adaGC warmup 5');
    expect(adaGc.threshold?.slice(0, 5)).toEqual([1, 1, 1, 1, 1]);
    expect(adaGc.gradientNormBefore.slice(0, 5).every((norm) => norm > 1)).toBe(true);
    // autoClip's first threshold is a percentile of the one norm it has seen: it never clips step 1,
    // and clips later steps whose norm exceeds its 10th percentile.
    const autoClip = fashionRun('autoClip p10');
    expect(autoClip.gradientNormAfter[0]).toBe(autoClip.gradientNormBefore[0]);
    expect(
      autoClip.gradientNormAfter.some((norm, i) => norm < (autoClip.gradientNormBefore[i] as number)),
    ).toBe(true);
    // The clippings change the training: the adaptive curves leave the unclipped one.
    const unclipped = fashion.find((run) => run.backend === 'unclipped') as DemoRun;
    expect(curveDistance(adaGc.stepLoss, unclipped.stepLoss)).toBeGreaterThan(0);
  });

  it('says that Fashion-MNIST could not run when its data is missing, and runs the other demos', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gradclip-no-fashion-mnist-'));
    try {
      const { runs, unavailableExperiments } = await runDemo({
        backends: [],
        regressionEpochs: 1,
        addingEpochs: 1,
        fashionMnist: { packageDirectory: empty },
      });
      expect(unavailableExperiments).toHaveLength(1);
      expect(unavailableExperiments[0]?.experiment).toBe('fashion-mnist');
      expect(unavailableExperiments[0]?.reason).toContain(join(empty, 'src', 'clothes', '0.json'));
      expect(runs.map((run) => run.experiment)).toEqual(['regression', 'adding', 'adding']);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
