/**
 * Generates the kit's sequence cases (src/conformance/cases/sequences.json) for the kinds with
 * state or parameters: the first steps of the independent Python fixtures' gradient sequences
 * (fixtures/adaptive/*.json, fixtures/agc.json, from scripts/generate-adaptive-fixtures.py) run
 * through the float64 reference. Every step's norm, threshold(s), clip decision, scale and output
 * checksum is checked against the Python fixture before anything is written, so the committed
 * expectations are the independent implementation's as well as the reference's.
 * Run `pnpm --filter @gradclip/core exec tsx scripts/generate-sequence-cases.ts`, then review the
 * diff like code: a changed expected value is a changed contract.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type AdaptiveFixtureStep,
  type AgcFixture,
  agcTensors,
  gradientSequence,
  outputChecksum,
  readAdaptiveFixture,
  readFixtureJson,
} from '../src/adaptive/adaptive-sequences.test-support.js';
import { createClipper } from '../src/clipper.js';
import { bitsHash, type CaseInput, type CaseOutput } from '../src/conformance/case-format.js';
import type { SequenceCase, SequenceStep } from '../src/conformance/sequence-case-format.js';
import { float32ToJson, type JsonFloat, type NamedHostTensor } from '../src/gradient-json.js';
import { parseSpec } from '../src/parse-spec.js';
import type { ClipReport } from '../src/report.js';
import { specToJson } from '../src/spec-to-json.js';

/** Which fixtures, how many of their steps (past each warm-up, through at least one clip after it). */
const SEQUENCES: readonly { file: string; id: string; steps: number; description: string }[] = [
  {
    file: 'auto-clip-window',
    id: 'autoClip/percentile-25-window-64',
    steps: 24,
    description:
      'AutoClip: the 25th percentile (linear interpolation) of the norms so far, the current one included',
  },
  {
    file: 'z-clip-percentile',
    id: 'zClip/percentile-mode-cap-5',
    steps: 32,
    description:
      'ZClip in percentile mode, capped at 5: 25 warm-up steps at the cap (two clipped), then the EMA statistics (the state)',
  },
  {
    file: 'z-clip-uncapped-mean-skip',
    id: 'zClip/uncapped-mean-skip-statistics',
    steps: 34,
    description:
      'ZClip without a cap, spikes clipped to the mean, statistics not updated on a spike (the spike at step 32)',
  },
  {
    file: 'ada-gc-short-warmup',
    id: 'adaGC/warmup-20',
    steps: 26,
    description:
      'AdaGC: a global clip at 0.5 for 20 steps, then each tensor at 1.2 × the EMA of its clipped norm',
  },
];

const json = (values: Float32Array): JsonFloat[] => Array.from(values, float32ToJson);
const inputOf = (tensor: NamedHostTensor): CaseInput => ({
  name: tensor.name,
  shape: tensor.shape,
  values: json(tensor.values),
});
/** Outputs as hashes: the inputs are written out, and a mismatch is found from the report's scale. */
const outputOf = (tensor: { shape: readonly number[]; values: Float32Array }, name: string): CaseOutput => ({
  name,
  shape: tensor.shape,
  hash: bitsHash(tensor.values),
});

function reportOf(report: ClipReport): SequenceStep['expect']['report'] {
  return {
    kind: report.kind,
    normBefore: report.normBefore,
    normAfter: report.normAfter,
    scale: report.scale,
    clipped: report.clipped,
    nonFiniteCount: report.nonFiniteCount,
    skipped: report.skipped,
    ...(report.threshold === undefined ? {} : { threshold: float32ToJsonLoose(report.threshold) }),
    ...(report.perTensorThresholds === undefined
      ? {}
      : { perTensorThresholds: [...report.perTensorThresholds] }),
  };
}

function float32ToJsonLoose(value: number): JsonFloat {
  return Number.isFinite(value) ? value : float32ToJson(value);
}

function agree(where: string, ok: boolean, detail: string): void {
  if (!ok) throw new Error(`${where}: the reference and the Python fixture disagree (${detail})`);
}

const cases: SequenceCase[] = [];
for (const { file, id, steps: count, description } of SEQUENCES) {
  const fixture = readAdaptiveFixture(new URL(`../fixtures/adaptive/${file}.json`, import.meta.url));
  const clipper = createClipper(fixture.spec);
  const steps: SequenceStep[] = [];
  for (const gradients of gradientSequence({ ...fixture.sequence, steps: count })) {
    const { gradients: outputs, report } = clipper.clipSync(gradients);
    const want = fixture.steps[steps.length] as AdaptiveFixtureStep;
    const where = `${file} step ${steps.length + 1}`;
    agree(where, Math.fround(report.normBefore) === want.norm32, 'norm');
    agree(
      where,
      want.thresholds === undefined
        ? report.threshold === want.threshold
        : JSON.stringify(report.perTensorThresholds) === JSON.stringify(want.thresholds),
      'threshold',
    );
    agree(where, report.clipped === want.clipped && report.scale === want.scale, 'decision');
    agree(where, outputChecksum(outputs) === want.checksum, 'output bits');
    steps.push({
      input: gradients.map(inputOf),
      expect: {
        outputs: outputs.map((output, i) => outputOf(output, (gradients[i] as NamedHostTensor).name)),
        report: reportOf(report),
      },
    });
  }
  cases.push({
    id,
    description: `${description}; the first ${count} steps of the fixture "${file}"`,
    // The spec's JSON form: an uncapped threshold is "Infinity", which JSON.stringify would drop.
    spec: specToJson(parseSpec(fixture.spec)) as unknown as SequenceCase['spec'],
    steps,
    finalState: clipper.state,
    source: `fixtures/adaptive/${file}.json (scripts/generate-adaptive-fixtures.py), first ${count} steps`,
  });
}

// AGC: one call each, the parameters beside the gradients, drawn as the Python script draws them.
const agc = readFixtureJson<AgcFixture>(new URL('../fixtures/agc.json', import.meta.url));
for (const [index, want] of agc.cases.entries()) {
  const { parameters, gradients } = agcTensors(agc, want.seed, want.gradScale);
  const { gradients: outputs, report } = createClipper(want.spec).clipSync(gradients, { parameters });
  const where = `agc.json case ${index + 1}`;
  agree(where, report.clipped === want.clipped && report.scale === want.scale, 'decision');
  agree(where, outputChecksum(outputs) === want.checksum, 'output bits');
  cases.push({
    id: `agc/seed-${want.seed}-clipping-${want.spec.kind === 'agc' ? want.spec.clipping : ''}`,
    description:
      'AGC: unit-wise norms over the default axes by rank, held to clipping · max(‖W_i‖, eps); zero units of the parameters fall back to eps',
    spec: want.spec,
    steps: [
      {
        input: gradients.map(inputOf),
        parameters: parameters.map(inputOf),
        expect: {
          outputs: outputs.map((output, i) => outputOf(output, (gradients[i] as NamedHostTensor).name)),
          report: reportOf(report),
        },
      },
    ],
    source: `fixtures/agc.json case ${index + 1} (scripts/generate-adaptive-fixtures.py)`,
  });
}

const path = fileURLToPath(new URL('../src/conformance/cases/sequences.json', import.meta.url));
writeFileSync(path, `${JSON.stringify({ cases })}\n`);
console.log(
  `wrote ${cases.length} sequence cases (${cases.reduce((n, c) => n + c.steps.length, 0)} steps) to ${path}`,
);
