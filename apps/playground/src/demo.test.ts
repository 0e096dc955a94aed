import { describe, expect, it } from 'vitest';
import { playgroundBackends } from './backends.js';
import { runDemo } from './demo.js';
import { curveDistance } from './demo-run.js';

describe('runDemo', () => {
  it('trains each clipping through every backend, with identical curves across backends', async () => {
    const backends = [
      ...playgroundBackends.filter((backend) => backend.id === 'reference' || backend.id === 'tfjs:cpu'),
      { id: 'broken', mode: 'test', create: () => Promise.reject(new Error('not installed')), inDemo: true },
    ];
    const { runs, unavailable } = await runDemo({ backends, regressionEpochs: 3, addingEpochs: 1 });
    expect(unavailable).toEqual([{ id: 'broken', reason: 'not installed' }]);
    expect(runs.map((run) => `${run.experiment}/${run.clipping}/${run.backend}`)).toEqual([
      'regression/none/unclipped',
      'adding/none/unclipped',
      'regression/clipvalue 5/reference',
      'regression/clipnorm 1/reference',
      'regression/global_clipnorm 1/reference',
      'adding/globalNorm 1/reference',
      'regression/clipvalue 5/tfjs:cpu',
      'regression/clipnorm 1/tfjs:cpu',
      'regression/global_clipnorm 1/tfjs:cpu',
      'adding/globalNorm 1/tfjs:cpu',
    ]);
    // Without clipping the seed's regression diverges in its first epoch.
    expect(Number.isFinite(runs[0]?.epochLoss[0])).toBe(false);
    for (const clipping of ['clipvalue 5', 'clipnorm 1', 'global_clipnorm 1']) {
      const [reference, tfjs] = runs.filter((run) => run.clipping === clipping);
      expect(reference?.epochLoss.every(Number.isFinite)).toBe(true);
      expect(curveDistance(reference?.epochLoss ?? [], tfjs?.epochLoss ?? [])).toBe(0);
      expect(reference?.gradientNormAfter).toEqual(tfjs?.gradientNormAfter);
    }
    const clipped = runs.find((run) => run.clipping === 'global_clipnorm 1');
    expect(Math.max(...(clipped?.gradientNormAfter ?? []))).toBeLessThanOrEqual(1 + 1e-6);
  });
});
