import { createClipper } from '@gradclip/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipOnHost } from '../training/tensor-bridge.js';
import { runAddingExperiment } from './adding-experiment.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Length 100; 320 training sequences (10 steps per epoch) to keep the test short.
const SMALL = { length: 100, trainSamples: 320, testSamples: 100 } as const;

describe('the adding problem with a plain (IRNN) recurrent network', () => {
  it('explodes without clipping: the gradient norm reaches > 1e6 and the loss never recovers', async () => {
    const result = await runAddingExperiment({ ...SMALL, epochs: 1 });
    const steps = result.history.steps;
    const first = steps[0] as { normBefore: number; loss: number };
    const largest = Math.max(
      ...steps.map((step) => (Number.isNaN(step.normBefore) ? Infinity : step.normBefore)),
    );
    expect(largest).toBeGreaterThan(1e6);
    expect(largest / first.normBefore).toBeGreaterThan(1e3);
    expect(Number.isFinite(result.final.test.loss) ? result.final.test.loss : Infinity).toBeGreaterThan(
      100 * first.loss,
    );
  });

  it('trains with global-norm clipping: the loss falls', async () => {
    const result = await runAddingExperiment({
      ...SMALL,
      epochs: 3,
      clipping: clipOnHost(createClipper({ kind: 'globalNorm', maxNorm: 1 })),
    });
    const steps = result.history.steps;
    const epochs = result.history.epochs;
    expect(result.history.stopped).toBeNull();
    for (const step of steps) expect(step.normAfter).toBeLessThanOrEqual(1 + 1e-6);
    expect(steps.some((step) => step.clipped && step.normBefore > 100)).toBe(true);
    expect((epochs.at(-1) as { loss: number }).loss).toBeLessThan((steps[0] as { loss: number }).loss / 2);
    expect(result.final.test.loss).toBeLessThan((steps[0] as { loss: number }).loss / 2);
  });
});
