/**
 * The composite kinds (groups, skipOnSpike, perExample, lossScaled, blockRms) against fixtures from
 * an independent numpy/torch implementation of each published algorithm under the contract
 * (`scripts/generate-composite-fixtures.py`, `fixtures/composite/*.json`): every case's output bits
 * and report fields on the reference backend; and the conformance kit's `kinds/*` cases, whose
 * expectations core generated, checked against the same independent implementation.
 *
 * Tolerance: none on outputs (bits; every NaN equals every NaN, the contract's only exception) nor
 * on anything a decision reads (scale, clipped, skipped, clippedExamples, thresholds, counts): the
 * skipOnSpike cases put the bound one float64 ULP either side of the correctly rounded norm, on
 * draws where a norm from per-tensor rounded sums would decide otherwise. Report norms are
 * estimates in the contract ("within the backend's stated bound of the exact norm"):
 * - `normBefore` / `normAfter` to 2^-49 relative. The reference rounds each tensor's (each slice's)
 *   sum correctly and combines those rounded sums exactly, rounding once more (`combinedBounds`):
 *   over k ≤ 8 slices that is within (k + 1)/2 ULP of S, half that relative on √S — not always the
 *   correctly rounded norm this script writes (an ULP apart on about one multi-tensor call in ten).
 * - Norms that aggregate other norms in float64 — a group report's √Σ n_g², `normAfter` of `norm`
 *   and `perExample` (each slice's n·s, combined) — to 1e-14 relative: the contract defines the
 *   norms they combine, not the order and rounding of the combination (at most 32 terms: ~1e-15).
 * - KNOWN_DEVIATIONS: fields not compared, with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clip } from '../clipper.js';
import { bitsHash, type ConformanceCase } from '../conformance/case-format.js';
import { caseInputValues } from '../conformance/case-inputs.js';
import kindsFile from '../conformance/cases/kinds.json' with { type: 'json' };
import {
  float32FromJson,
  type GradientJson,
  gradientFromJson,
  type NamedHostTensor,
} from '../gradient-json.js';
import type { ClipReport } from '../report.js';
import type { ClipSpec } from '../spec.js';

interface FixtureCase {
  readonly id: string;
  readonly description: string;
  readonly spec: ClipSpec;
  /** Absent in kit-kinds.json: those cases run on the kit's own inputs. */
  readonly input?: readonly GradientJson[];
  readonly expect: { readonly outputs: readonly GradientJson[]; readonly report: FixtureReport };
}

type FixtureReport = Readonly<Record<string, unknown>>;

const folder = fileURLToPath(new URL('../../fixtures/composite/', import.meta.url));
const load = (file: string): FixtureCase[] =>
  (JSON.parse(readFileSync(`${folder}${file}`, 'utf8')) as { cases: FixtureCase[] }).cases;

/** Report fields that combine norms in float64 in an order the contract leaves open. */
const AGGREGATES: Readonly<Record<string, readonly string[]>> = {
  groups: ['normBefore', 'normAfter'],
  norm: ['normAfter'],
  perExample: ['normAfter'],
};
const AGGREGATE_TOLERANCE = 1e-14;
const NORM_FIELDS = ['normBefore', 'normAfter'];
const NORM_TOLERANCE = 2 ** -49;

/** `<file>/<case id>` → report fields not compared, and why. */
const KNOWN_DEVIATIONS: Readonly<
  Record<string, { readonly fields: readonly string[]; readonly reason: string }>
> = {
  'loss-scaled.json/subnormal-unscale': {
    fields: ['normBefore', 'normAfter'],
    reason:
      'lossScaled reports (and decides on) N / L, the norm of the unrounded g / L (loss-scaled.ts assumes no unscaled subnormals); this script takes the norm of the unscaled float32 values',
  },
};

/** A JSON number (a float64 as written) or one of gradclip's strings for NaN, ±∞ and -0. */
function numberOf(value: unknown, field: string): number {
  return typeof value === 'number' ? value : float32FromJson(value, field);
}

function sameBits(actual: Float32Array, expected: Float32Array, where: string): void {
  expect(actual.length, where).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(expected[i]) && Number.isNaN(actual[i])) continue;
    if (a[i] !== e[i]) {
      expect.fail(
        `${where}[${i}]: got ${actual[i]} (0x${a[i]?.toString(16)}), want ${expected[i]} (0x${e[i]?.toString(16)})`,
      );
    }
  }
}

function expectReport(
  actual: ClipReport,
  want: FixtureReport,
  where: string,
  skip: readonly string[] = [],
): void {
  const record = actual as unknown as Record<string, unknown>;
  for (const [field, expected] of Object.entries(want)) {
    if (skip.includes(field)) continue;
    const at = `${where} report.${field}`;
    const got = record[field];
    if (field === 'steps') {
      const steps = expected as FixtureReport[];
      expect((got as ClipReport[] | undefined)?.length, at).toBe(steps.length);
      for (const [i, step] of steps.entries()) {
        expectReport((got as ClipReport[])[i] as ClipReport, step, `${at}[${i}]`);
      }
    } else if (Array.isArray(expected)) {
      expect(got, at).toEqual(expected.map((value, i) => numberOf(value, `${at}[${i}]`)));
    } else if (typeof expected === 'boolean' || expected === null || field === 'kind') {
      expect(got, at).toBe(expected);
    } else if (AGGREGATES[actual.kind]?.includes(field) || NORM_FIELDS.includes(field)) {
      const value = numberOf(expected, at);
      const tolerance = AGGREGATES[actual.kind]?.includes(field) ? AGGREGATE_TOLERANCE : NORM_TOLERANCE;
      if (!Number.isFinite(value)) expect(got, at).toBe(value);
      else expect(Math.abs((got as number) - value), at).toBeLessThanOrEqual(tolerance * Math.abs(value));
    } else {
      expect(got, at).toBe(numberOf(expected, at));
    }
  }
}

function expectOutputs(
  outputs: readonly { readonly shape: readonly number[]; readonly values: Float32Array }[],
  want: readonly GradientJson[],
  where: string,
): void {
  expect(outputs.length, where).toBe(want.length);
  want.forEach((tensor, i) => {
    const expected = gradientFromJson(tensor, `${where} expect.outputs[${i}]`);
    const got = outputs[i] as { shape: readonly number[]; values: Float32Array };
    expect([...got.shape], `${where} ${tensor.name} shape`).toEqual([...expected.shape]);
    sameBits(got.values, expected.values, `${where} ${tensor.name}`);
  });
}

const files = readdirSync(folder)
  .filter((file) => file.endsWith('.json') && file !== 'kit-kinds.json')
  .sort();

describe('composite kinds against the independent numpy implementation', () => {
  it('has fixtures for every composite kind', () => {
    expect(files).toEqual([
      'block-rms.json',
      'groups.json',
      'loss-scaled.json',
      'per-example.json',
      'skip-on-spike.json',
    ]);
  });

  for (const file of files) {
    describe(file, () => {
      for (const fixture of load(file)) {
        it(`${fixture.id}: ${fixture.description}`, async () => {
          const inputs: NamedHostTensor[] = (fixture.input ?? []).map((tensor, i) =>
            gradientFromJson(tensor, `input[${i}]`),
          );
          const { gradients, report } = await clip(inputs, fixture.spec);
          expectOutputs(gradients, fixture.expect.outputs, fixture.id);
          expectReport(
            report,
            fixture.expect.report,
            fixture.id,
            KNOWN_DEVIATIONS[`${file}/${fixture.id}`]?.fields,
          );
        });
      }
    });
  }
});

describe("the kit's kinds cases agree with the independent implementation", () => {
  const kit = new Map((kindsFile as unknown as { cases: ConformanceCase[] }).cases.map((c) => [c.id, c]));
  const independent = load('kit-kinds.json');

  it('covers every kit kinds case', () => {
    expect(independent.map((c) => c.id).sort()).toEqual([...kit.keys()].sort());
  });

  for (const fixture of independent) {
    it(`${fixture.id}: the kit's expected outputs and report, and the reference on the kit's inputs`, async () => {
      const kitCase = kit.get(fixture.id) as ConformanceCase;
      expect(kitCase.spec, fixture.id).toEqual(fixture.spec);
      const expectation = kitCase.expect;
      if (!('outputs' in expectation)) throw new Error(`${fixture.id}: the kit expects an error`);
      fixture.expect.outputs.forEach((tensor, i) => {
        const want = gradientFromJson(tensor, `${fixture.id} expect.outputs[${i}]`);
        const kitOutput = expectation.outputs[i];
        if (kitOutput === undefined) throw new Error(`${fixture.id}: the kit lacks output ${i}`);
        expect(kitOutput.shape, `${fixture.id} ${tensor.name} shape`).toEqual([...want.shape]);
        if ('hash' in kitOutput)
          expect(kitOutput.hash, `${fixture.id} ${tensor.name}`).toBe(bitsHash(want.values));
        else sameBits(caseInputValues({ ...kitOutput }), want.values, `${fixture.id} kit ${tensor.name}`);
      });
      // The kit's report holds the common fields; each is checked against this implementation.
      const common = Object.fromEntries(
        Object.entries(fixture.expect.report).filter(([field]) => field in expectation.report),
      );
      expectReport(
        Object.fromEntries(
          Object.entries(expectation.report).map(([field, value]) => [
            field,
            typeof value === 'string' && field !== 'kind' ? numberOf(value, field) : value,
          ]),
        ) as unknown as ClipReport,
        common,
        `${fixture.id} (kit)`,
      );
      const inputs = kitCase.input.map((input) => ({
        name: input.name,
        shape: [...input.shape],
        values: caseInputValues(input),
      }));
      const { gradients, report } = await clip(inputs, fixture.spec);
      expectOutputs(gradients, fixture.expect.outputs, fixture.id);
      expectReport(report, fixture.expect.report, fixture.id);
    });
  }
});
