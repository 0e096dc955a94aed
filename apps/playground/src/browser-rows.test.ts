import { BROWSER_TARGETS } from '@gradclip/browser-tests';
import { conformanceCases, type SequenceCase, sequenceCases } from '@gradclip/core/conformance';
import { expect, it } from 'vitest';
import { BROWSER_ELEMENT_LIMIT, runBrowserParity } from './browser-rows.js';
import { mergeParityRuns } from './parity.js';
import { fromConformanceCase, type ParityCase, parseCaseFile } from './parity-case.js';

it('browser rows: cases run in headless Chromium and are judged against the oracle like Node rows', async () => {
  const targets = BROWSER_TARGETS.filter((target) => ['tfjs:cpu', 'gpujs:webgl'].includes(target.label));
  const big: ParityCase = {
    id: 'big',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: [
      { name: 'g', shape: [BROWSER_ELEMENT_LIMIT + 1], values: new Float32Array(BROWSER_ELEMENT_LIMIT + 1) },
    ],
    source: 'file',
  };
  const cases = [
    ...conformanceCases
      .filter((c) => !c.requires?.includes('largeTensors'))
      .filter((c) => c.id.startsWith('value/') || c.id.startsWith('globalNorm/'))
      .map(fromConformanceCase),
    big,
    ...agcWithParameters(),
  ];
  // A kit sequence case, and a copy whose step-2 threshold is one float64 ULP off.
  const zClip = sequenceCases.find((testCase) => testCase.spec.kind === 'zClip') as SequenceCase;
  const wrong = JSON.parse(JSON.stringify(zClip)) as {
    id: string;
    steps: { expect: { report: { threshold: number } } }[];
  };
  wrong.id = 'zClip/wrong-step-2';
  const report = (wrong.steps[1] as (typeof wrong.steps)[number]).expect.report;
  report.threshold *= 1 + 2 ** -52;
  const run = mergeParityRuns(
    await runBrowserParity({
      cases,
      sequenceCases: [zClip, wrong as unknown as SequenceCase],
      targets,
    }),
    () => true,
  );
  expect(run.backends.map((entry) => [entry.id, entry.available])).toEqual([
    ['tfjs:cpu@chromium', true],
    ['gpujs:webgl@chromium', true],
  ]);
  // The wrong copy differs at its step 2 on both rows; nothing else fails.
  const failed = run.results.filter((result) => result.status === 'fail' || result.status === 'error');
  expect(failed.map((result) => [result.caseId, result.backend])).toEqual([
    ['zClip/wrong-step-2', 'tfjs:cpu@chromium'],
    ['zClip/wrong-step-2', 'gpujs:webgl@chromium'],
  ]);
  expect(failed.every((result) => /step 2 of/.test(result.detail ?? ''))).toBe(true);
  const large = run.results.filter((result) => result.caseId === 'big');
  expect(large).toHaveLength(2);
  expect(large.every((result) => result.status === 'skip')).toBe(true);
  // Parameters travel to the page; sequence cases are judged there, step by step.
  const agc = run.results.filter((result) => result.caseId === 'agc/with-parameters');
  expect(agc.map((result) => [result.status, result.error, result.report?.kind])).toEqual([
    ['pass', null, 'agc'],
    ['pass', null, 'agc'],
  ]);
  const sequences = run.results.filter((result) => result.caseId === zClip.id);
  expect(sequences.map((result) => [result.status, result.bitIdentical, result.steps])).toEqual([
    ['pass', true, zClip.steps.length],
    ['pass', true, zClip.steps.length],
  ]);
  expect(run.summary.cases).toBe(cases.length + 2);
  const compared = run.results.filter((result) => result.status !== 'skip');
  expect(compared.length).toBeGreaterThan(40);
  // Bit-identical, except what gpujs:webgl declares (the -0 clamp bound, the subnormals).
  const differing = compared.filter((result) => !result.bitIdentical && result.caseId !== wrong.id);
  expect(
    differing.every(
      (result) => result.backend === 'gpujs:webgl@chromium' && /declared/.test(result.detail ?? ''),
    ),
  ).toBe(true);
});

/** The first step of a kit agc sequence as a single call with its parameters. */
function agcWithParameters(): ParityCase[] {
  const kitCase = sequenceCases.find((testCase) => testCase.spec.kind === 'agc');
  const step = kitCase?.steps[0];
  return parseCaseFile({
    cases: [
      { id: 'agc/with-parameters', spec: kitCase?.spec, input: step?.input, parameters: step?.parameters },
    ],
  }).cases;
}
