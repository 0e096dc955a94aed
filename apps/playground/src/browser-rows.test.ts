import { BROWSER_TARGETS } from '@gradclip/browser-tests';
import { conformanceCases, sequenceCases } from '@gradclip/core/conformance';
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
  const run = mergeParityRuns(
    await runBrowserParity({ cases, sequenceCaseIds: ['zClip/a-sequence'], targets }),
    () => true,
  );
  expect(run.backends.map((entry) => [entry.id, entry.available])).toEqual([
    ['tfjs:cpu@chromium', true],
    ['gpujs:webgl@chromium', true],
  ]);
  expect(run.summary.failed).toBe(0);
  const large = run.results.filter((result) => result.caseId === 'big');
  expect(large).toHaveLength(2);
  expect(large.every((result) => result.status === 'skip')).toBe(true);
  // Parameters travel to the page; sequence cases do not (listed as skipped).
  const agc = run.results.filter((result) => result.caseId === 'agc/with-parameters');
  expect(agc.map((result) => [result.status, result.error, result.report?.kind])).toEqual([
    ['pass', null, 'agc'],
    ['pass', null, 'agc'],
  ]);
  const sequences = run.results.filter((result) => result.caseId === 'zClip/a-sequence');
  expect(sequences.map((result) => result.status)).toEqual(['skip', 'skip']);
  expect(run.summary.cases).toBe(cases.length + 1);
  const compared = run.results.filter((result) => result.status !== 'skip');
  expect(compared.length).toBeGreaterThan(40);
  // Bit-identical, except what gpujs:webgl declares (the -0 clamp bound, the subnormals).
  const differing = compared.filter((result) => !result.bitIdentical);
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
