import { describe, expect, it } from 'vitest';
import { clip, createClipper } from '../clipper.js';
import { ClipError } from '../errors.js';
import type { HostTensor } from '../reference/host-tensor.js';
import {
  type AgcFixture,
  agcTensors,
  outputChecksum,
  readFixtureJson,
} from './adaptive-sequences.test-support.js';
import { createInexactBackend } from './inexact-backend.test-support.js';

const fixture = readFixtureJson<AgcFixture>(new URL('../../fixtures/agc.json', import.meta.url));
const tensorsOf = (seed: number, gradScale: number) => agcTensors(fixture, seed, gradScale);

const host = (values: number[], shape = [values.length]): HostTensor => ({
  shape,
  values: new Float32Array(values),
});

describe('agc against the independent numpy implementation', () => {
  for (const want of fixture.cases) {
    it(`seed ${want.seed}, clipping ${want.spec.clipping}, eps ${want.spec.eps}: same bits on exact and inexact sums`, async () => {
      const { parameters, gradients } = tensorsOf(want.seed, want.gradScale);
      for (const backend of [undefined, createInexactBackend(2 ** -40, 3), createInexactBackend(1e-2, 4)]) {
        const result = await clip(gradients, want.spec, { parameters, ...(backend ? { backend } : {}) });
        expect(outputChecksum(result.gradients)).toBe(want.checksum);
        expect(result.report).toMatchObject({ kind: 'agc', clipped: want.clipped, scale: want.scale });
      }
    });
  }
});

describe('agc', () => {
  it('scales each unit (IO layout: a column) to clipping · max(‖W_i‖, eps)', () => {
    // Kernel [in 2, out 2]: unit 0 = column [30, 40] (norm 50), unit 1 = column [0, 0] (eps).
    const parameters = [host([30, 0, 40, 0], [2, 2])];
    const gradients = [host([3, 1, 4, 0], [2, 2])];
    const { gradients: out, report } = createClipper({ kind: 'agc', clipping: 0.01, eps: 0.5 }).clipSync(
      gradients,
      {
        parameters,
      },
    );
    // Unit 0: threshold 0.5, norm 5 → scale fround(0.1); unit 1: threshold 0.005, norm 1 → fround(0.005).
    const s0 = Math.fround(0.5 / 5);
    const s1 = Math.fround(0.005);
    expect(Array.from(out[0]?.values ?? [])).toEqual([Math.fround(3 * s0), s1, Math.fround(4 * s0), 0]);
    expect(report.clipped).toBe(true);
  });

  it('takes parameters by name from a map (extra names allowed) and leaves excluded tensors alone', () => {
    const gradients = { w: host([10]), classifier: host([10]) };
    const parameters = { w: host([1]), classifier: host([1]), unused: host([1, 2]) };
    const { gradients: out } = createClipper({ kind: 'agc', exclude: ['classifier'] }).clipSync(gradients, {
      parameters,
    });
    // Threshold 0.01 · max(1, 0.001) = 0.01; norm 10 → scale fround(0.001).
    expect(out.w.values[0]).toBe(Math.fround(10 * Math.fround(0.001)));
    expect(out.classifier).toBe(gradients.classifier);
  });

  it('takes an axes override (PyTorch OI layout: rows)', () => {
    const parameters = [host([3, 4, 0, 0], [2, 2])];
    const gradients = [host([1, 0, 0, 1], [2, 2])];
    const rows = createClipper({ kind: 'agc', axes: [1], clipping: 0.1, eps: 1 }).clipSync(gradients, {
      parameters,
    });
    // Row 0: threshold 0.5 (‖W‖ 5), norm 1 → 0.5; row 1: threshold 0.1 (eps 1), norm 1 → 0.1.
    expect(Array.from(rows.gradients[0]?.values ?? [])).toEqual([0.5, 0, 0, Math.fround(0.1)]);
  });

  const refusals: [() => Promise<unknown>, string][] = [
    [() => clip([host([1])], { kind: 'agc' }), 'options.parameters'],
    [() => clip([host([1])], { kind: 'agc' }, { parameters: [host([1, 2])] }), 'parameters[0]'],
    [() => clip<HostTensor>([host([1])], { kind: 'agc' }, { parameters: [] }), 'parameters'],
    [
      () => clip<HostTensor>({ a: host([1]) }, { kind: 'agc' }, { parameters: { b: host([1]) } }),
      'parameters["a"]',
    ],
    [
      () => clip([host([1])], { kind: 'agc', exclude: ['nope'] }, { parameters: [host([1])] }),
      'spec.exclude[0]',
    ],
    [
      () => clip([host([1])], { kind: 'agc' }, { parameters: [host([Number.NaN])] }),
      'parameters of "gradients[0]"',
    ],
    [
      () =>
        clip(
          [host([1], [1, 1, 1, 1, 1, 1])],
          { kind: 'agc' },
          { parameters: [host([1], [1, 1, 1, 1, 1, 1])] },
        ),
      'gradients[0]',
    ],
    [() => clip([host([1])], { kind: 'agc', clipping: -1 }, { parameters: [host([1])] }), 'spec.clipping'],
  ];
  it.each(refusals)('names what is wrong (%#: %s)', async (run, field) => {
    const error = await run().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ClipError);
    expect((error as ClipError).field).toBe(field);
  });
});
