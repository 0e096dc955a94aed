import { describe, expect, it } from 'vitest';
import type { ClipBackend } from '../backend.js';
import { clip } from '../clipper.js';
import type { HostTensor } from '../reference/host-tensor.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { partialNorm } from '../two-phase.js';
import { hardeningProperties } from './run-hardening.js';
import { describeHardening } from './vitest.js';

describeHardening({ label: 'hardening: reference backend', create: () => createReferenceBackend() });

describe('the hardening suite catches', () => {
  const reference = createReferenceBackend();
  const [badSpecs, badGradients, validClips] = hardeningProperties;

  it('a backend whose kernels zero everything, naming the seed', async () => {
    const zeroing: ClipBackend<HostTensor> = {
      ...reference,
      scale: (tensors) =>
        tensors.map((t) => ({ shape: [...t.shape], values: new Float32Array(t.values.length) })),
    };
    await expect(validClips?.run(zeroing, { numRuns: 100 })).rejects.toThrow(
      /seed 20261202.*ULP from the oracle/s,
    );
  });

  it('a backend whose shapeOf accepts anything', async () => {
    const lax: ClipBackend<HostTensor> = { ...reference, shapeOf: () => [2] };
    await expect(badGradients?.run(lax, { numRuns: 50 })).rejects.toThrow(/INVALID_GRADIENTS/);
  });

  it('is green on the reference for the bad-spec property with another seed', async () => {
    await expect(badSpecs?.run(reference, { seed: 7, numRuns: 100 })).resolves.toBeUndefined();
  });
});

describe('norm orders above 1000 (issue 12 #1)', () => {
  it('are refused by clip and partialNorm with the "inf" hint, instead of zeroed gradients', async () => {
    const g = [{ shape: [2], values: new Float32Array([1.9, 0.5]) }];
    await expect(clip(g, { kind: 'globalNorm', maxNorm: 1, p: 1200 })).rejects.toMatchObject({
      code: 'INVALID_SPEC',
      field: 'spec.p',
    });
    await expect(partialNorm(g, { p: 1200 })).rejects.toThrow(/\(use "inf" for the max norm\)/);
    const { gradients } = await clip(g, { kind: 'globalNorm', maxNorm: 1, p: 1000 });
    expect(gradients[0]?.values[0]).toBeCloseTo(1, 6);
  });
});
