/**
 * Every TypeScript sample of this package's README and of the repository's README runs as
 * written (imports rewritten to source), and prints what its comments say.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printedExpectations, readmeSamples, runSample } from '@gradclip/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readmes = [join(here, '..', 'README.md'), join(here, '..', '..', '..', 'README.md')];
const samples = readmes.flatMap((path) => readmeSamples(path));
const scratch = mkdtempSync(join(here, '.readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The `describeConformance` sample registers a suite, so it runs here, while this file's tests are
// collected: `../src/index.js` (the reader's backend) is the reference, and the kit's import goes to
// a wrapper that keeps the cases small enough to run twice (conformance.test.ts runs them all).
const kitSamples = samples.filter((sample) => sample.includes('describeConformance'));
writeFileSync(
  join(scratch, 'my-backend.ts'),
  `export { createReferenceBackend as createMyBackend } from ${JSON.stringify(join(here, 'reference', 'index.js'))};\n`,
);
writeFileSync(
  join(scratch, 'kit.ts'),
  [
    `import { conformanceCases } from ${JSON.stringify(join(here, 'conformance', 'index.js'))};`,
    `import { describeConformance as describeAll } from ${JSON.stringify(join(here, 'conformance', 'vitest.js'))};`,
    'export const describeConformance: typeof describeAll = (options) =>',
    "  describeAll({ ...options, cases: conformanceCases.filter((c) => !c.requires?.includes('largeTensors')) });",
    '',
  ].join('\n'),
);
for (const [i, sample] of kitSamples.entries()) {
  await runSample({
    source: sample,
    imports: {
      '@gradclip/core/conformance/vitest': join(scratch, 'kit.ts'),
      '../src/index.js': join(scratch, 'my-backend.ts'),
    },
    directory: scratch,
    fileName: `kit-sample-${i}.ts`,
  });
}

describe('README samples', () => {
  it('has samples, one of them the describeConformance sample', () => {
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(kitSamples).toHaveLength(1);
  });

  samples.forEach((sample, i) => {
    // The vitest sample registered its suite above.
    if (sample.includes('describeConformance')) return;
    it(`sample ${i + 1} runs and prints what its comments say`, async () => {
      const printed = await runSample({
        source: sample,
        imports: { '@gradclip/core': join(here, 'index.js') },
        directory: scratch,
        fileName: `sample-${i}.ts`,
      });
      // Each `console.log(...); // expected` comment: the printed line starts with the digits shown.
      const expectations = printedExpectations(sample);
      expect(printed.length).toBe(expectations.length);
      expectations.forEach((expected, k) => {
        const prefixes = expected
          .split(/…|\s+/)
          .filter((part) => /\d/.test(part))
          .map((part) => part.replace(/[[\],]/g, ''));
        const actual = (printed[k] as string).replace(/[[\],]/g, ' ');
        for (const prefix of prefixes)
          expect(actual).toMatch(new RegExp(`(^|\\s)${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      });
    });
  });
});
