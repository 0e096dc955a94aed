import { describe, expect, it } from 'vitest';
import type { BackendManifest, ClipBackend, ConformanceFailureKind } from '../backend.js';
import { float32Bits, float32FromBits } from '../float32.js';
import type { HostTensor } from '../reference/host-tensor.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { conformanceCases, runConformance, sequenceCases } from './index.js';
import { describeConformance } from './vitest.js';

// The kit must pass on the oracle…
// A fresh reference for every case: state one case leaves behind cannot hide in another.
describeConformance({
  label: 'reference backend',
  create: async () => createReferenceBackend(),
  freshBackend: true,
});

// …and fail on backends that are broken in the ways real backends break.
const SMALL_MANIFEST: BackendManifest = {
  maxUlp: 0,
  capabilities: ['axes', 'generalP'], // no largeTensors: keeps the fakes fast, and exercises skipping
  expectedFailures: [],
};

function fake(
  overrides: Partial<ClipBackend<HostTensor>>,
  manifest = SMALL_MANIFEST,
): ClipBackend<HostTensor> {
  return { ...createReferenceBackend(), id: 'fake', manifest, ...overrides };
}

const reference = createReferenceBackend();

function nextUp(value: number): number {
  const bits = float32Bits(value);
  return float32FromBits(value >= 0 ? bits + 1 : bits - 1);
}

const brokenBackends: { name: string; expected: ConformanceFailureKind; backend: ClipBackend<HostTensor> }[] =
  [
    {
      name: 'wrong scale (factor off by 0.1%)',
      expected: 'mismatch',
      backend: fake({
        scale: (tensors, requests) =>
          reference.scale(
            tensors,
            requests.map((request) => ({
              ...request,
              multipliers: request.multipliers.map((m) => m * 1.001),
            })),
          ),
      }),
    },
    {
      name: 'mutates its input in place',
      expected: 'mutated-input',
      backend: fake({
        scale: async (tensors, requests) => {
          const outputs = await reference.scale(tensors, requests);
          outputs.forEach((output, i) => {
            (tensors[i] as HostTensor).values.set(output.values);
          });
          return tensors.map((tensor) => ({ shape: tensor.shape, values: tensor.values }));
        },
      }),
    },
    {
      name: 'ignores the threshold (reports every norm as 0)',
      expected: 'mismatch',
      backend: fake({
        summarize: async (tensors, request) =>
          (await (reference.summarize as NonNullable<typeof reference.summarize>)(tensors, request)).map(
            (summary) => ({
              ...summary,
              sums: summary.sums.map(() => 0),
              maxAbs: summary.maxAbs.map(() => 0),
            }),
          ),
      }),
    },
    {
      name: 'off by one ULP in one element',
      expected: 'mismatch',
      backend: fake({
        scale: async (tensors, requests) => {
          const outputs = await reference.scale(tensors, requests);
          for (const output of outputs) {
            if (output.values.length > 0) output.values[0] = nextUp(output.values[0] as number);
          }
          return outputs;
        },
      }),
    },
    {
      name: 'swallows NaN in the norm (treats it as 0)',
      expected: 'missing-error',
      backend: fake({
        summarize: (tensors, request) =>
          (reference.summarize as NonNullable<typeof reference.summarize>)(
            tensors.map((tensor) => ({
              shape: tensor.shape,
              values: tensor.values.map((x) => (Number.isNaN(x) ? 0 : x)),
            })),
            request,
          ),
      }),
    },
    {
      name: 'clamps NaN to a bound (GLSL min/max)',
      expected: 'mismatch',
      backend: fake({
        clamp: async (tensors, bounds) =>
          tensors.map((tensor) => ({
            shape: tensor.shape,
            values: tensor.values.map(
              (g) => Math.min(Math.max(g, bounds.min), bounds.max) || (Number.isNaN(g) ? bounds.max : g),
            ),
          })),
      }),
    },
    {
      name: 'turns -0 into +0 when clamping',
      expected: 'mismatch',
      backend: fake({
        clamp: async (tensors, bounds) =>
          tensors.map((tensor) => ({
            shape: tensor.shape,
            values: tensor.values.map((g) =>
              g < bounds.min ? bounds.min : g > bounds.max ? bounds.max : g + 0,
            ),
          })),
      }),
    },
  ];

describe('the kit fails broken backends', () => {
  for (const { name, expected, backend } of brokenBackends) {
    it(`detects: ${name}`, async () => {
      const run = await runConformance({ create: async () => backend });
      expect(run.passed).toBe(false);
      const kinds = new Set(
        run.outcomes.flatMap((outcome) => outcome.failures.map((failure) => failure.kind)),
      );
      expect([...kinds]).toContain(expected);
    });
  }
});

describe('opt-outs come only from the manifest', () => {
  const largeCases = conformanceCases.filter((testCase) => testCase.requires?.includes('largeTensors'));

  it('skips cases needing an undeclared capability, with the reason', async () => {
    const run = await runConformance({ create: async () => fake({}), cases: largeCases });
    expect(run.outcomes.every((outcome) => outcome.status === 'skip')).toBe(true);
    expect(run.outcomes[0]?.reason).toMatch(/largeTensors/);
    expect(run.passed).toBe(true);
  });

  const seedCase = conformanceCases.filter((testCase) => testCase.id === 'norm/keras-seed');
  const broken = (expectedFailures: BackendManifest['expectedFailures']) =>
    fake(
      {
        scale: (tensors, requests) =>
          reference.scale(
            tensors,
            requests.map((request) => ({ ...request, multipliers: request.multipliers.map((m) => m * 2) })),
          ),
      },
      { ...SMALL_MANIFEST, expectedFailures },
    );

  it('turns a declared failure (case, kind, reason) into an expected failure', async () => {
    const run = await runConformance({
      create: async () =>
        broken([
          { caseId: 'norm/keras-seed', kind: 'mismatch', reason: 'doubles the scale' },
          { caseId: 'norm/keras-seed', kind: 'norm-exceeds-bound', reason: 'doubles the scale' },
          { caseId: 'norm/keras-seed', kind: 'direction-changed', reason: 'doubles the scale' },
        ]),
      cases: seedCase,
    });
    expect(run.outcomes[0]?.status).toBe('expected-failure');
    expect(run.outcomes[0]?.reason).toMatch(/doubles the scale/);
    expect(run.passed).toBe(true);
  });

  it('fails a declared failure whose kind does not match', async () => {
    const run = await runConformance({
      create: async () => broken([{ caseId: 'norm/keras-seed', kind: 'threw', reason: 'wrong kind' }]),
      cases: seedCase,
    });
    expect(run.outcomes[0]?.status).toBe('fail');
    expect(run.passed).toBe(false);
  });

  it('fails an expected failure that unexpectedly passes', async () => {
    const run = await runConformance({
      create: async () =>
        fake(
          {},
          {
            ...SMALL_MANIFEST,
            expectedFailures: [{ caseId: 'norm/keras-seed', kind: 'mismatch', reason: 'stale' }],
          },
        ),
      cases: seedCase,
    });
    expect(run.outcomes[0]?.status).toBe('unexpected-pass');
    expect(run.passed).toBe(false);
  });

  it('lets a backend declare an ULP budget, and reports the measured distance', async () => {
    const loose = fake(
      {
        scale: async (tensors, requests) => {
          const outputs = await reference.scale(tensors, requests);
          for (const output of outputs)
            if (output.values.length > 0) output.values[0] = nextUp(output.values[0] as number);
          return outputs;
        },
      },
      { ...SMALL_MANIFEST, maxUlp: 1 },
    );
    const run = await runConformance({ create: async () => loose, cases: seedCase });
    expect(run.outcomes[0]?.status).toBe('pass');
    expect(run.outcomes[0]?.measuredUlp).toBe(1);
  });
});

describe('runConformance runs the sequence cases', () => {
  it('runs the whole kit by default, sequence cases after single cases, and none when cases are chosen', async () => {
    const total: number[] = [];
    // The fake skips the 2^24-element cases (no largeTensors): the default run stays fast.
    const run = await runConformance({
      create: async () => fake({}),
      onCase: (_, index, count) => total.push(index === count - 1 ? count : -1),
    });
    const ids = run.outcomes.map((outcome) => outcome.caseId);
    expect(ids.slice(-sequenceCases.length)).toEqual(sequenceCases.map((testCase) => testCase.id));
    expect(ids).toHaveLength(conformanceCases.length + sequenceCases.length);
    expect(total.at(-1)).toBe(ids.length);
    expect(run.passed).toBe(true);
    const chosen = await runConformance({
      create: async () => fake({}),
      cases: conformanceCases.slice(0, 1),
    });
    expect(chosen.outcomes).toHaveLength(1);
  });

  it('fails a backend whose state-feeding norms are wrong', async () => {
    // A norm off by one float32 ULP before rounding moves every adaptive threshold after it.
    const drifting = fake({
      summarize: async (tensors, request) => {
        const summarize = reference.summarize as NonNullable<ClipBackend<HostTensor>['summarize']>;
        const summaries = await summarize.call(reference, tensors, request);
        return summaries.map((summary) => ({
          ...summary,
          sums: summary.sums.map((sum) => sum * (1 + 2 ** -20)),
        }));
      },
    });
    const run = await runConformance({ create: async () => drifting, cases: [], sequenceCases });
    expect(run.outcomes).toHaveLength(sequenceCases.length);
    expect(run.passed).toBe(false);
    expect(run.outcomes.filter((outcome) => outcome.status === 'fail').length).toBeGreaterThan(
      sequenceCases.length / 2,
    );
  });
});
