/** Norm groups: each group clipped by its own spec over its own tensors, the rest by `rest`. */
import { describe, expect, it } from 'vitest';
import { clip, createClipper } from '../clipper.js';
import { ClipError } from '../errors.js';
import { parseSpec } from '../parse-spec.js';
import type { HostTensor } from '../reference/host-tensor.js';
import type { ClipSpec } from '../spec.js';
import { specToJson } from '../spec-to-json.js';
import { createInexactBackend } from './inexact-backend.test-support.js';

const host = (values: number[]): HostTensor => ({ shape: [values.length], values: new Float32Array(values) });

const SPEC: ClipSpec = {
  kind: 'groups',
  groups: [
    { name: 'experts', pattern: 'expert/*', spec: { kind: 'globalNorm', maxNorm: 1 } },
    { name: 'embedding', tensors: ['embedding'], spec: { kind: 'zClip', warmup: 2 } },
  ],
  rest: { kind: 'globalNorm', maxNorm: 10 },
};

describe('groups', () => {
  it('clips each group by its own norm, as if clipped alone', async () => {
    const gradients = {
      'expert/0': host([3, 0]),
      dense: host([30, 40]),
      'expert/1': host([0, 4]),
      embedding: host([0.5]),
    };
    const { gradients: out, report } = await clip(gradients, SPEC);
    const experts = await clip(
      { a: gradients['expert/0'], b: gradients['expert/1'] },
      { kind: 'globalNorm', maxNorm: 1 },
    );
    const rest = await clip([gradients.dense], { kind: 'globalNorm', maxNorm: 10 });
    expect(Array.from(out['expert/0'].values)).toEqual(Array.from(experts.gradients.a.values));
    expect(Array.from(out['expert/1'].values)).toEqual(Array.from(experts.gradients.b.values));
    expect(Array.from(out.dense.values)).toEqual(Array.from(rest.gradients[0]?.values ?? []));
    expect(out.embedding).toBe(gradients.embedding);
    expect(report).toMatchObject({ kind: 'groups', clipped: true, scale: null });
    expect(report.steps?.map((step) => step.kind)).toEqual(['globalNorm', 'zClip', 'globalNorm']);
    expect(report.normBefore).toBeCloseTo(Math.sqrt(25 + 0.25 + 2500), 12);
  });

  it('keeps the state of stateful groups, bit-identical on inexact sums, and round-trips its spec', () => {
    const exact = createClipper(SPEC);
    const inexact = createClipper(SPEC, { backend: createInexactBackend(1e-3, 2) });
    for (let step = 0; step < 50; step++) {
      const gradients = {
        'expert/0': host([step % 7, 1]),
        embedding: host([1 + (step % 5) * (step % 11 === 0 ? 40 : 1)]),
        dense: host([2]),
      };
      expect(inexact.clipSync(gradients).report.steps?.[1]?.threshold).toBe(
        exact.clipSync(gradients).report.steps?.[1]?.threshold,
      );
    }
    expect(inexact.state).toEqual(exact.state);
    expect(exact.state).toMatchObject({
      kind: 'groups',
      groups: [null, { kind: 'zClip', step: 50 }],
      rest: null,
    });
    expect(parseSpec(specToJson(SPEC))).toEqual(parseSpec(SPEC));
    const resumed = createClipper(SPEC, { state: JSON.parse(JSON.stringify(exact.state)) });
    expect(resumed.state).toEqual(exact.state);
  });

  it('a skipped group skips the whole update', () => {
    const spec: ClipSpec = {
      kind: 'groups',
      groups: [{ name: 'head', tensors: ['head'], spec: { kind: 'skipOnSpike', maxNorm: 1 } }],
      rest: { kind: 'globalNorm', maxNorm: 0.1 },
    };
    const gradients = { head: host([5]), body: host([5]) };
    const { gradients: out, report } = createClipper(spec).clipSync(gradients);
    expect(report.skipped).toBe(true);
    expect(out.body).toBe(gradients.body);
  });

  it.each([
    [{ kind: 'groups', groups: [] }, 'spec.groups'],
    [
      { kind: 'groups', groups: [{ name: 'a', spec: { kind: 'value', min: -1, max: 1 } }] },
      'spec.groups[0].tensors',
    ],
    [
      { kind: 'groups', groups: [{ name: 'a', pattern: 'x', spec: { kind: 'nope' } }] },
      'spec.groups[0].spec.kind',
    ],
    [
      {
        kind: 'groups',
        groups: [
          { name: 'a', pattern: '*', spec: { kind: 'agc' } },
          { name: 'a', pattern: '*', spec: { kind: 'agc' } },
        ],
      },
      'spec.groups[1].name',
    ],
  ])('refuses %j naming %s', (spec, field) => {
    let error: unknown;
    try {
      parseSpec(spec);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClipError);
    expect((error as ClipError).field).toBe(field);
  });

  it('names a listed tensor that the call lacks', () => {
    const spec: ClipSpec = {
      kind: 'groups',
      groups: [{ name: 'a', tensors: ['missing'], spec: { kind: 'globalNorm', maxNorm: 1 } }],
    };
    expect(() => createClipper(spec).clipSync({ present: host([1]) })).toThrow(
      /spec\.groups\[0\]\.tensors\[0\]/,
    );
  });
});
