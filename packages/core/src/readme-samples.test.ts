/**
 * Every TypeScript sample of this package's README and of the repository's README runs as
 * written (imports rewritten to source), and prints what its comments say.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printedExpectations, readmeSamples, runSample } from '@gradclip/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readmes = [join(here, '..', 'README.md'), join(here, '..', '..', '..', 'README.md')];
const samples = readmes.flatMap((path) => readmeSamples(path));
const scratch = mkdtempSync(join(here, '.readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README samples', () => {
  it('has samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(5);
  });

  samples.forEach((sample, i) => {
    // The vitest sample registers a conformance suite; it is exercised by conformance.test.ts.
    const registersSuite = sample.includes('describeConformance');
    it.skipIf(registersSuite)(`sample ${i + 1} runs and prints what its comments say`, async () => {
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
