import { describe, expect, it } from 'vitest';
import { createTerminalProgress, type ProgressEvent } from './progress.js';

const step = (stepInEpoch: number): ProgressEvent => ({
  type: 'step',
  epoch: 1,
  epochs: 2,
  stepInEpoch,
  stepsPerEpoch: 4,
  record: {
    epoch: 1,
    step: stepInEpoch - 1,
    loss: 0.5,
    normBefore: 3,
    normAfter: 1,
    clipped: true,
    skipped: false,
  },
});

describe('createTerminalProgress', () => {
  it('draws a bar and one line per epoch on a terminal, throttled', () => {
    let output = '';
    let time = 0;
    const progress = createTerminalProgress(
      { isTTY: true, write: (text: string) => (output += text) },
      { label: 'regression', now: () => time },
    );
    progress(step(1));
    progress(step(2)); // within the interval: skipped
    time = 1000;
    progress(step(4)); // the last step of an epoch always draws
    progress({
      type: 'epoch',
      epochs: 2,
      record: {
        epoch: 1,
        loss: 0.5,
        validationLoss: 0.25,
        validationAccuracy: 0.875,
        clippedSteps: 4,
        skippedSteps: 0,
        maxNormBefore: 3,
      },
    });
    expect(output.match(/epoch 1\/2 [█░]+/g)).toHaveLength(2);
    expect(output).toContain('4/4');
    expect(output).not.toContain('2/4');
    expect(output).toMatch(
      /regression epoch 1\/2 · loss 0\.5000 · val loss 0\.2500 · val acc 87\.50% · clipped 4\n$/,
    );
  });

  it('writes nothing when the stream is not a terminal', () => {
    let output = '';
    const progress = createTerminalProgress({ isTTY: false, write: (text: string) => (output += text) });
    progress(step(4));
    expect(output).toBe('');
  });
});
