/** The adaptive kinds' specs, state, checkpoints and call semantics (fixtures are in adaptive-fixtures.test.ts). */
import { describe, expect, it } from 'vitest';
import { clipErrorOf } from '../clip-error-of.test-support.js';
import { clip, clipperFromJSON, createClipper } from '../clipper.js';
import { ClipError } from '../errors.js';
import { parseSpec } from '../parse-spec.js';
import type { HostTensor } from '../reference/host-tensor.js';
import type { ClipSpec } from '../spec.js';
import { specToJson } from '../spec-to-json.js';

const host = (values: number[]): HostTensor => ({ shape: [values.length], values: new Float32Array(values) });

describe('adaptive specs', () => {
  it('fill in the published defaults', () => {
    expect(parseSpec({ kind: 'autoClip' })).toMatchObject({
      percentile: 10,
      window: Number.POSITIVE_INFINITY,
    });
    expect(parseSpec({ kind: 'zClip' })).toMatchObject({
      alpha: 0.97,
      z: 2.5,
      warmup: 25,
      maxNorm: 1,
      eps: 1e-6,
      mode: 'zscore',
      clipOption: 'adaptiveScaling',
      clipFactor: 1,
      skipStatisticsOnSpike: false,
    });
    expect(parseSpec({ kind: 'adaGC' })).toMatchObject({
      beta: 0.98,
      absolute: 1,
      relative: 1.05,
      warmup: 100,
    });
  });

  it('round-trip through specToJson', () => {
    const specs: ClipSpec[] = [
      { kind: 'autoClip', percentile: 25, window: 64 },
      { kind: 'autoClip' },
      { kind: 'zClip', maxNorm: 'Infinity', mode: 'percentile' },
      { kind: 'adaGC', warmup: 3 },
      { kind: 'skipOnSpike', maxNorm: 10, p: 'inf' },
    ];
    for (const spec of specs) expect(parseSpec(specToJson(spec))).toEqual(parseSpec(spec));
  });

  it.each([
    [{ kind: 'autoClip', percentile: 101 }, 'spec.percentile'],
    [{ kind: 'autoClip', window: 0 }, 'spec.window'],
    [{ kind: 'autoClip', window: 2.5 }, 'spec.window'],
    [{ kind: 'zClip', alpha: 1 }, 'spec.alpha'],
    [{ kind: 'zClip', z: 0 }, 'spec.z'],
    [{ kind: 'zClip', mode: 'median' }, 'spec.mode'],
    [{ kind: 'zClip', skipStatisticsOnSpike: 'yes' }, 'spec.skipStatisticsOnSpike'],
    [{ kind: 'zClip', maxNorm: -1 }, 'spec.maxNorm'],
    [{ kind: 'adaGC', beta: 1 }, 'spec.beta'],
    [{ kind: 'adaGC', warmup: 0 }, 'spec.warmup'],
    [{ kind: 'adaGC', relative: Number.NaN }, 'spec.relative'],
    [{ kind: 'adaGC', compat: 'pytorch' }, 'spec.compat'],
    [{ kind: 'chain', compat: 'keras', steps: [{ kind: 'zClip' }] }, 'spec.steps[0].compat'],
    [{ kind: 'skipOnSpike', maxNorm: 1, p: 3 }, 'spec.p'],
    [{ kind: 'skipOnSpike' }, 'spec.maxNorm'],
    [{ kind: 'zClip', zThreshold: 2 }, 'spec.zThreshold'],
  ])('refuse %j, naming %s', (spec, field) => {
    const error = clipErrorOf(() => parseSpec(spec));
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });
});

describe('stateful clippers', () => {
  it('one-shot clip() starts from fresh state: AutoClip never clips its first step, ZClip warms up at maxNorm', async () => {
    const big = [host([30, 40])];
    expect((await clip(big, { kind: 'autoClip' })).report).toMatchObject({ clipped: false, threshold: 50 });
    const zClip = await clip(big, { kind: 'zClip' });
    expect(zClip.report).toMatchObject({ clipped: true, threshold: 1 });
    const scale = Math.fround(1 / 50);
    expect(Array.from(zClip.gradients[0]?.values ?? [])).toEqual([
      Math.fround(30 * scale),
      Math.fround(40 * scale),
    ]);
  });

  it('state is plain JSON data and a stateless spec has none', () => {
    expect(createClipper({ kind: 'globalNorm', maxNorm: 1 }).state).toBeNull();
    const clipper = createClipper({
      kind: 'chain',
      steps: [{ kind: 'value', min: -10, max: 10 }, { kind: 'autoClip' }],
    });
    clipper.clipSync([host([3, 4])]);
    expect(clipper.state).toEqual({
      kind: 'chain',
      steps: [null, { kind: 'autoClip', step: 1, history: [5] }],
    });
    expect(clipper.toJSON()).toMatchObject({
      format: 'gradclip-clipper',
      version: 1,
      spec: { kind: 'chain' },
    });
  });

  it('AutoClip: the current norm counts in its own threshold (numpy linear percentile)', () => {
    const clipper = createClipper({ kind: 'autoClip', percentile: 50 });
    for (const norm of [1, 2, 3]) clipper.clipSync([host([norm])]);
    // History [1, 2, 3, 10]: the median is 2.5, so 10 is clipped to 2.5.
    const { report } = clipper.clipSync([host([10])]);
    expect(report).toMatchObject({ threshold: 2.5, clipped: true, scale: Math.fround(0.25) });
  });

  it('a window keeps only the last norms', () => {
    const clipper = createClipper({ kind: 'autoClip', percentile: 0, window: 2 });
    for (const norm of [1, 5, 4, 3]) clipper.clipSync([host([norm])]);
    expect(clipper.state).toEqual({ kind: 'autoClip', step: 4, history: [4, 3] });
    expect(clipper.clipSync([host([6])]).report.threshold).toBe(3);
  });

  it('a call that throws leaves the state as it was', () => {
    const clipper = createClipper({ kind: 'zClip', warmup: 2 });
    clipper.clipSync([host([1])]);
    const before = clipper.state;
    expect(() => clipper.clipSync([host([Number.NaN])])).toThrow(ClipError);
    expect(clipper.state).toEqual(before);
  });

  it('a non-finite norm never enters the state, but the step counts', () => {
    const clipper = createClipper({ kind: 'autoClip', nonFinite: 'propagate' });
    clipper.clipSync([host([2])]);
    const { report } = clipper.clipSync([host([Number.POSITIVE_INFINITY])]);
    expect(report.threshold).toBe(2);
    expect(clipper.state).toEqual({ kind: 'autoClip', step: 2, history: [2] });
  });

  it('overlapping async calls run in call order, as if awaited one by one', async () => {
    const spec: ClipSpec = { kind: 'zClip', warmup: 3, maxNorm: 'Infinity' };
    const norms = [1, 1.2, 0.9, 1.1, 9, 1];
    const sequential = createClipper(spec);
    for (const norm of norms) await sequential.clip([host([norm])]);
    const overlapping = createClipper(spec);
    const results = await Promise.all(norms.map((norm) => overlapping.clip([host([norm])])));
    expect(overlapping.state).toEqual(sequential.state);
    expect(results[4]?.report.clipped).toBe(true);
  });

  it('clipperFromJSON resumes a checkpoint and refuses what is not one', () => {
    const clipper = createClipper({ kind: 'adaGC', warmup: 2 });
    for (const norm of [3, 1, 2]) clipper.clipSync({ a: host([norm]), b: host([norm / 2]) });
    const resumed = clipperFromJSON(JSON.parse(JSON.stringify(clipper)));
    expect(resumed.state).toEqual(clipper.state);
    const next = { a: host([5]), b: host([0.1]) };
    expect(resumed.clipSync(next).report).toEqual(clipper.clipSync(next).report);
    expect(clipErrorOf(() => clipperFromJSON({ spec: { kind: 'adaGC' } })).field).toBe('json.format');
    const bad = { ...clipper.toJSON(), state: { kind: 'adaGC', step: 1, tensors: ['a'], gammas: [-1] } };
    expect(clipErrorOf(() => clipperFromJSON(bad)).field).toBe('json.state.gammas[0]');
  });

  it.each([
    [{ kind: 'zClip', step: 0, warmupNorms: [], mean: null, variance: null }, 'options.state.kind'],
    [{ kind: 'autoClip', step: 1, history: [1, 2] }, 'options.state.history'],
    [{ kind: 'autoClip', step: 1, history: [Number.NaN] }, 'options.state.history[0]'],
    [{ kind: 'autoClip', step: -1, history: [] }, 'options.state.step'],
    [{ kind: 'autoClip', step: 0, history: [], extra: 1 }, 'options.state.extra'],
    [{ kind: 'autoClip', history: [] }, 'options.state.step'],
    ['state', 'options.state'],
  ])('createClipper refuses the state %j for autoClip, naming %s', (state, field) => {
    const error = clipErrorOf(() =>
      createClipper({ kind: 'autoClip', window: 1 }, { state: state as never }),
    );
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.field).toBe(field);
  });

  it('AdaGC names a call whose tensors differ from its state', () => {
    const clipper = createClipper({ kind: 'adaGC' });
    clipper.clipSync({ a: host([1]), b: host([1]) });
    const error = clipErrorOf(() => clipper.clipSync({ a: host([1]) }));
    expect(error.code).toBe('INVALID_GRADIENTS');
    expect(error.message).toContain('"a", "b"');
  });

  it('AdaGC: global clip at absolute during warm-up, then per tensor at relative · γ', () => {
    const clipper = createClipper({ kind: 'adaGC', warmup: 1, absolute: 5, relative: 2, beta: 0.5 });
    // Warm-up: global norm 10 > 5, scale 0.5: γ = [3, 4] (each tensor's norm · 0.5).
    expect(clipper.clipSync([host([6]), host([8])]).report).toMatchObject({ threshold: 5, clipped: true });
    expect(clipper.state).toMatchObject({ gammas: [3, 4] });
    // Then thresholds [6, 8]: 12 is clipped to 6, 1 passes; γ = [0.5·3 + 0.5·6, 0.5·4 + 0.5·1].
    const { report, gradients } = clipper.clipSync([host([12]), host([1])]);
    expect(report.perTensorThresholds).toEqual([6, 8]);
    expect(gradients.map((tensor) => tensor.values[0])).toEqual([6, 1]);
    expect(clipper.state).toMatchObject({ gammas: [4.5, 2.5] });
  });
});

describe('skipOnSpike', () => {
  it('skips the whole update above maxNorm, in a chain before the clip', () => {
    const spec: ClipSpec = {
      kind: 'chain',
      steps: [
        { kind: 'skipOnSpike', maxNorm: 100 },
        { kind: 'globalNorm', maxNorm: 1 },
      ],
    };
    const spike = [host([300, 400])];
    const skipped = createClipper(spec).clipSync(spike);
    expect(skipped.report).toMatchObject({ skipped: true, clipped: false });
    expect(skipped.gradients[0]).toBe(spike[0]);
    expect(createClipper(spec).clipSync([host([3, 4])]).report).toMatchObject({
      skipped: false,
      clipped: true,
    });
  });

  it('counts a non-finite norm as a spike under "propagate"', () => {
    const { report } = createClipper({ kind: 'skipOnSpike', maxNorm: 1, nonFinite: 'propagate' }).clipSync([
      host([Number.NaN]),
    ]);
    expect(report.skipped).toBe(true);
  });
});
