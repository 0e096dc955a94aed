/**
 * The kit's self-test, one deliberately broken backend per way a real one breaks: each must fail
 * the kit with the failure kind that names its bug. Every failure kind the kit declares has a fake
 * here (conformance.test.ts holds the first ones: wrong scale, mutated input, ignored threshold,
 * one ULP, NaN handling, -0 in clamp), and so do the numeric bugs of real engines: a wrong
 * rounding mode, flushed subnormals, one multiplier for every slice, a counter that stops at 2^24.
 */
import { describe, expect, it } from 'vitest';
import type { BackendManifest, ClipBackend, ConformanceFailureKind, TensorSummary } from '../backend.js';
import { float32Bits, float32FromBits } from '../float32.js';
import type { HostTensor } from '../reference/host-tensor.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { conformanceCases, runConformance } from './index.js';

const SMALL: BackendManifest = { maxUlp: 0, capabilities: ['axes', 'generalP'], expectedFailures: [] };
const reference = createReferenceBackend();
const summarize = reference.summarize as NonNullable<typeof reference.summarize>;

function fake(overrides: Partial<ClipBackend<HostTensor>>, manifest = SMALL): ClipBackend<HostTensor> {
  return { ...createReferenceBackend(), id: 'fake', manifest, ...overrides };
}

/** The reference's summaries, each passed through `change` with its tensor. */
function summaries(
  change: (
    summary: TensorSummary,
    tensor: HostTensor,
    i: number,
    all: readonly TensorSummary[],
  ) => TensorSummary,
): NonNullable<ClipBackend<HostTensor>['summarize']> {
  return async (tensors, request) => {
    const all = await summarize(tensors, request);
    return all.map((summary, i) => change(summary, tensors[i] as HostTensor, i, all));
  };
}

/** The reference's outputs of `scale`, each element passed through `change`. */
function scaledThen(
  change: (value: number, input: number, index: number) => number,
): ClipBackend<HostTensor>['scale'] {
  return async (tensors, requests) => {
    const outputs = await reference.scale(tensors, requests);
    return outputs.map((output, t) => ({
      shape: output.shape,
      values: output.values.map((value, k) =>
        change(value, (tensors[t] as HostTensor).values[k] as number, k),
      ),
    }));
  };
}

/** float32 rounding toward zero of a float64 value (instead of to nearest, ties to even). */
function roundTowardZero(exact: number): number {
  const nearest = Math.fround(exact);
  if (!Number.isFinite(nearest) && Number.isFinite(exact)) return Math.sign(exact) * 3.4028234663852886e38;
  return Math.abs(nearest) > Math.abs(exact) ? float32FromBits(float32Bits(nearest) - 1) : nearest;
}

const FLOAT32_MIN_NORMAL = 2 ** -126;
const flush = (value: number) => (Math.abs(value) < FLOAT32_MIN_NORMAL ? value * 0 : value);

interface Broken {
  readonly name: string;
  readonly expected: ConformanceFailureKind;
  readonly backend: ClipBackend<HostTensor>;
  /** Default: every case the manifest allows. */
  readonly cases?: readonly string[];
}

const broken: Broken[] = [
  {
    name: 'counts only NaN as non-finite (isNaN for !isFinite): the report miscounts ±Infinity',
    expected: 'report-mismatch',
    backend: fake({
      summarize: summaries((summary, tensor) => {
        const nan = tensor.values.findIndex(Number.isNaN);
        return {
          ...summary,
          nonFiniteCount: tensor.values.filter(Number.isNaN).length,
          firstNonFiniteIndex: nan,
        };
      }),
    }),
  },
  {
    name: 'reports the last non-finite index of a tensor instead of the first',
    expected: 'wrong-error',
    backend: fake({
      summarize: summaries((summary, tensor) => {
        let last = -1;
        tensor.values.forEach((value, k) => {
          if (!Number.isFinite(value)) last = k;
        });
        return { ...summary, firstNonFiniteIndex: last };
      }),
    }),
  },
  {
    name: 'keeps only the last bad tensor in its non-finite count (overwrites instead of accumulating): the error names the wrong tensor',
    expected: 'wrong-error',
    backend: fake({
      summarize: summaries((summary, _tensor, i, all) => {
        const lastBad = all.reduce((last, other, k) => (other.nonFiniteCount > 0 ? k : last), -1);
        return i === lastBad ? summary : { ...summary, nonFiniteCount: 0, firstNonFiniteIndex: -1 };
      }),
    }),
  },
  {
    name: 'inflates each norm by 0.02% (a norm just below the threshold is clipped)',
    expected: 'identity-broken',
    backend: fake({
      summarize: async (tensors, request) =>
        (await summarize(tensors, request)).map((summary) => ({
          ...summary,
          sums: summary.sums.map((sum) =>
            request.p === Number.POSITIVE_INFINITY ? sum : sum * 1.0002 ** request.p,
          ),
          maxAbs: summary.maxAbs.map((max) => max * 1.0002),
        })),
    }),
  },
  {
    name: 'under-reports each norm by half (the scale comes out twice too large)',
    expected: 'norm-exceeds-bound',
    backend: fake({
      summarize: async (tensors, request) =>
        (await summarize(tensors, request)).map((summary) => ({
          ...summary,
          sums: summary.sums.map((sum) =>
            request.p === Number.POSITIVE_INFINITY ? sum / 2 : sum / 2 ** request.p,
          ),
          maxAbs: summary.maxAbs.map((max) => max / 2),
        })),
    }),
  },
  {
    name: 'scales only the first tensor of a call (the rest come back unscaled)',
    expected: 'direction-changed',
    backend: fake({
      scale: async (tensors, requests) => {
        const outputs = await reference.scale(tensors, requests);
        return outputs.map((output, t) =>
          t === 0 ? output : { shape: output.shape, values: (tensors[t] as HostTensor).values.slice() },
        );
      },
    }),
  },
  {
    name: 'throws on zero-size tensors',
    expected: 'threw',
    backend: fake({
      summarize: async (tensors, request) => {
        if (tensors.some((tensor) => tensor.values.length === 0))
          throw new Error('zero-size tensors are not supported');
        return summarize(tensors, request);
      },
      clamp: async (tensors, bounds) => {
        if (tensors.some((tensor) => tensor.values.length === 0))
          throw new Error('zero-size tensors are not supported');
        return reference.clamp(tensors, bounds);
      },
    }),
  },
  {
    name: 'rounds products toward zero instead of to nearest',
    expected: 'mismatch',
    backend: fake({
      scale: async (tensors, requests) => {
        const outputs = await reference.scale(tensors, requests);
        return outputs.map((output, t) => {
          const request = requests[t];
          const input = (tensors[t] as HostTensor).values;
          if (request?.order !== 'multiply' || request.multipliers.length !== 1) return output;
          const m = request.multipliers[0] as number;
          // float32 × float32 is exact in float64: round it the wrong way.
          return { shape: output.shape, values: input.map((g) => roundTowardZero(g * m)) };
        });
      },
    }),
  },
  {
    name: 'flushes subnormal inputs and results to zero (GPU fast math)',
    expected: 'mismatch',
    backend: fake({
      scale: async (tensors, requests) =>
        (
          await reference.scale(
            tensors.map((tensor) => ({ shape: tensor.shape, values: tensor.values.map(flush) })),
            requests,
          )
        ).map((output) => ({ shape: output.shape, values: output.values.map(flush) })),
    }),
  },
  {
    name: "applies the first slice's multiplier to every slice (per-axis norms)",
    expected: 'mismatch',
    backend: fake({
      scale: (tensors, requests) =>
        reference.scale(
          tensors,
          requests.map((request) => ({
            ...request,
            multipliers: request.multipliers.map(() => request.multipliers[0] as number),
          })),
        ),
    }),
  },
  {
    name: 'stops at 2^24 elements (a float32 loop counter): later elements come back unscaled',
    expected: 'mismatch',
    backend: fake(
      { scale: scaledThen((value, input, index) => (index >= 2 ** 24 ? input : value)) },
      { ...SMALL, capabilities: [...SMALL.capabilities, 'largeTensors'] },
    ),
    cases: ['globalNorm/large'],
  },
  {
    name: 'loses the sign of a -0 bound (bounds passed through text: String(-0) is "0")',
    expected: 'mismatch',
    backend: fake({
      clamp: (tensors, bounds) =>
        reference.clamp(tensors, { min: Number(String(bounds.min)), max: Number(String(bounds.max)) }),
    }),
  },
];

describe('the kit catches each broken backend, with the failure kind of its bug', () => {
  for (const { name, expected, backend, cases } of broken) {
    it(`${expected}: ${name}`, async () => {
      const selected = cases ? conformanceCases.filter((testCase) => cases.includes(testCase.id)) : undefined;
      if (cases) expect(selected?.map((testCase) => testCase.id)).toEqual(cases);
      const run = await runConformance({
        create: async () => backend,
        ...(selected ? { cases: selected } : {}),
      });
      expect(run.passed).toBe(false);
      const kinds = new Set(
        run.outcomes.flatMap((outcome) => outcome.failures.map((failure) => failure.kind)),
      );
      expect([...kinds]).toContain(expected);
    }, 300_000);
  }
});
