import { describe, expect, it } from 'vitest';
import type { ClipBackend, TensorSummary } from '../backend.js';
import { clip } from '../clipper.js';
import { boundaryCases } from '../conformance/boundary-cases.js';
import { caseInputValues } from '../conformance/case-inputs.js';
import { checkCase } from '../conformance/check-case.js';
import { combinePartialNorms } from '../partial-norm.js';
import { createRandom } from '../random.js';
import type { HostTensor } from '../reference/host-tensor.js';
import { createReferenceBackend } from '../reference/reference-backend.js';
import { clipWithNorm, partialNorm } from '../two-phase.js';

const reference = createReferenceBackend();
const exactSummarize = reference.summarize?.bind(reference) as NonNullable<typeof reference.summarize>;

/**
 * A backend whose sums are off by up to `relative` (a deterministic pseudo-random amount per call),
 * like a float-float GPU sum or a threaded float64 reduction. `stated`: the bound it declares
 * (`undefined` claims exactness, which then is a lie).
 */
function inexactBackend(relative: number, stated: number | undefined): ClipBackend<HostTensor> {
  const random = createRandom(7);
  return {
    ...reference,
    id: 'inexact',
    summarize: async (tensors, request) => {
      const summaries = await exactSummarize(tensors, request);
      if (request.p === Number.POSITIVE_INFINITY) return summaries;
      return summaries.map((summary): TensorSummary => {
        const sums = summary.sums.map((sum) => sum * (1 + (2 * random.uniform() - 1) * relative));
        return stated === undefined
          ? { ...summary, sums }
          : { ...summary, sums, sumErrors: sums.map((sum) => sum * stated) };
      });
    },
  };
}

const cases = boundaryCases({ count: 60, maxLength: 2000 });

describe('certified decisions: an inexact backend with a stated bound clips like the oracle, bit for bit', () => {
  it('passes every rounding-boundary case, falling back to the exact sum where the bound cannot decide', async () => {
    const backend = inexactBackend(2 ** -36, 2 ** -35);
    let fallbacks = 0;
    for (const testCase of cases) {
      const outcome = await checkCase(backend, testCase);
      expect(outcome.failures, testCase.id).toEqual([]);
      fallbacks += outcome.report?.decisions?.exactFallback ?? 0;
    }
    expect(fallbacks).toBeGreaterThan(cases.length / 2);
  });

  it('the same sums without a stated bound round the other way on boundary cases (the cases bite)', async () => {
    const liar = inexactBackend(2 ** -36, undefined);
    const failed: string[] = [];
    for (const testCase of cases) {
      const outcome = await checkCase(liar, testCase);
      if (outcome.status === 'fail') failed.push(testCase.id);
    }
    expect(failed.length).toBeGreaterThan(cases.length / 4);
  });

  it('falls back rarely on ordinary clips (well below 0.1%)', async () => {
    const backend = inexactBackend(2 ** -36, 2 ** -35);
    const random = createRandom(11);
    let decisions = 0;
    let fallbacks = 0;
    for (let call = 0; call < 500; call++) {
      const gradients = Array.from({ length: 4 }, () => ({
        shape: [64],
        values: new Float32Array(64).map(() => random.normal() * 10 ** (random.uniform() * 6 - 3)),
      }));
      const maxNorm = 10 ** (random.uniform() * 4 - 2);
      const spec =
        call % 2 === 0 ? { kind: 'globalNorm' as const, maxNorm } : { kind: 'norm' as const, maxNorm };
      const { report } = await clip(gradients, spec, { backend });
      decisions += (report.decisions?.certified ?? 0) + (report.decisions?.exactFallback ?? 0);
      fallbacks += report.decisions?.exactFallback ?? 0;
    }
    expect(decisions).toBe(250 + 250 * 4);
    expect(fallbacks / decisions).toBeLessThan(0.001);
  });
});

describe('two-phase clipping over shards gives the bits of one call, on boundary cases', () => {
  const global = cases.filter(
    (testCase) => testCase.spec.kind === 'globalNorm' && testCase.spec.compat === undefined,
  );
  it(`${global.length} global-norm boundary cases, each tensor split across two shards`, async () => {
    expect(global.length).toBeGreaterThan(5);
    for (const testCase of global) {
      const tensors = testCase.input.map((input) => ({
        shape: [...input.shape],
        values: caseInputValues(input),
      }));
      const one = await clip(tensors, testCase.spec as never);
      const halves = tensors.map((tensor) => {
        const middle = Math.floor(tensor.values.length / 2);
        return [tensor.values.subarray(0, middle), tensor.values.subarray(middle)].map((values) => ({
          shape: [values.length],
          values: values.slice(),
        }));
      });
      const shards = [
        halves.map((pair) => pair[0] as HostTensor),
        halves.map((pair) => pair[1] as HostTensor),
      ];
      const p = (testCase.spec as { p?: number }).p ?? 2;
      const partials = await Promise.all(shards.map((shard) => partialNorm(shard, { p })));
      // Through JSON, as over a real transport.
      const total = combinePartialNorms(partials.map((partial) => JSON.parse(JSON.stringify(partial))));
      const clipped = await Promise.all(
        shards.map((shard) => clipWithNorm(shard, testCase.spec as never, total)),
      );
      tensors.forEach((_, t) => {
        const joined = new Float32Array([
          ...(clipped[0]?.gradients[t]?.values ?? []),
          ...(clipped[1]?.gradients[t]?.values ?? []),
        ]);
        const whole = (one.gradients[t] as HostTensor).values;
        expect(Buffer.from(joined.buffer).equals(Buffer.from(whole.buffer)), testCase.id).toBe(true);
      });
      expect(clipped[0]?.report.scale).toBe(one.report.scale);
    }
  });
});
