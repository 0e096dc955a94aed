/**
 * Every TypeScript sample of the README runs as written (the package import rewritten to source)
 * and prints what its comments say.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printedExpectations, readmeSamples, runSample } from '@gradclip/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const samples = readmeSamples(join(here, '..', 'README.md'));
const scratch = mkdtempSync(join(here, '.readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README samples', () => {
  it('has the Keras-style, custom-loop and save/load samples', () => {
    expect(samples.length).toBe(3);
  });

  samples.forEach((sample, i) => {
    it(`sample ${i + 1} runs and prints what its comments say`, async () => {
      const printed = await runSample({
        source: sample,
        imports: { '@gradclip/backend-tfjs': join(here, 'index.js') },
        directory: scratch,
        fileName: `sample-${i}.ts`,
      });
      // Each `console.log(...); // expected` comment: every word of it starts a printed word.
      const expectations = printedExpectations(sample);
      expect(printed.length).toBe(expectations.length);
      expectations.forEach((expected, k) => {
        const words = expected
          .split(/…|\s+/)
          .map((word) => word.replace(/[[\],]/g, ''))
          .filter((word) => word !== '');
        const actual = (printed[k] as string).replace(/[[\],]/g, ' ');
        for (const word of words)
          expect(actual).toMatch(new RegExp(`(^|\\s)${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      });
    });
  });
});
