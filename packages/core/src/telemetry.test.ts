import { describe, expect, it } from 'vitest';
import { clip } from './clipper.js';
import { ClipError } from './errors.js';

const gradients = {
  small: { shape: [2], values: new Float32Array([0.1, 0.2]) },
  large: { shape: [3], values: new Float32Array([30, -40, 0]) },
  middle: { shape: [1], values: new Float32Array([5]) },
};

describe('telemetry on request', () => {
  it('names the largest tensors by norm, largest first', async () => {
    const { report } = await clip(gradients, { kind: 'globalNorm', maxNorm: 1 }, { telemetry: { topK: 2 } });
    expect(report.topTensors?.map((entry) => entry.name)).toEqual(['large', 'middle']);
    expect(report.topTensors?.[0]?.norm).toBe(50);
  });

  it('counts the fraction of elements the call changed (a zero scaled stays zero)', async () => {
    const norm = await clip(
      gradients,
      { kind: 'norm', maxNorm: 10 },
      { telemetry: { clippedFraction: true } },
    );
    // Only "large" is scaled, and its 0 stays 0: 2 of 6 elements changed.
    expect(norm.report.clippedFraction).toBeCloseTo(2 / 6, 12);
    const value = await clip(
      gradients,
      { kind: 'value', min: -1, max: 1 },
      { telemetry: { clippedFraction: true } },
    );
    expect(value.report.clippedFraction).toBeCloseTo(3 / 6, 12);
  });

  it('counts examples for perExample, whether the batch is kept or summed, and names its tensors', async () => {
    // Example norms 5, 0.5 and 13: two of three examples are clipped.
    const batch = () => ({
      w: { shape: [3, 2], values: new Float32Array([3, 0, 0.3, 0, 5, 0]) },
      b: { shape: [3], values: new Float32Array([4, 0.4, 12]) },
    });
    for (const reduce of ['sum', 'mean', 'none'] as const) {
      const { report } = await clip(
        batch(),
        { kind: 'perExample', maxNorm: 1, reduce },
        { telemetry: { clippedFraction: true, topK: 1 } },
      );
      expect(report.clippedFraction).toBe(2 / 3);
      expect(report.topTensors?.[0]?.name).toBe('b');
      expect(report.topTensors?.[0]?.norm).toBeCloseTo(Math.sqrt(16 + 0.16 + 144), 6);
    }
    const skipped = await clip(
      batch(),
      {
        kind: 'chain',
        steps: [
          { kind: 'perExample', maxNorm: 1 },
          { kind: 'skipOnSpike', maxNorm: 0.5 },
        ],
      },
      { telemetry: { clippedFraction: true } },
    );
    expect(skipped.report.skipped).toBe(true);
    expect(skipped.report.clippedFraction).toBe(0);
  });

  it('costs nothing when not asked, and refuses malformed options', async () => {
    const { report } = await clip(gradients, { kind: 'globalNorm', maxNorm: 1 });
    expect(report.topTensors).toBeUndefined();
    expect(report.clippedFraction).toBeUndefined();
    expect(report.perTensorNorms).toBeUndefined();
    await expect(
      clip(gradients, { kind: 'globalNorm', maxNorm: 1 }, { telemetry: { topK: 0 } }),
    ).rejects.toBeInstanceOf(ClipError);
  });
});
