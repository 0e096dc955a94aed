/**
 * Every ```ts and ```js sample on every page runs as written (no import rewritten: the docs package
 * depends on the workspace packages, read from source) and prints what its
 * `console.log(…); // expected` comments say. Fragments (```ts fragment) are not run; every sample,
 * fragments included, is type-checked.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isFragment,
  type MarkdownSample,
  markdownSamples,
  matchesShownOutput,
  printedExpectations,
  runSample,
} from '@gradclip/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { docsRoot, pageFiles, pageName } from './pages.js';

const scratch = join(docsRoot, 'test', `.samples-${process.pid}`);
mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const pages = pageFiles().map((file) => ({ file, name: pageName(file), samples: markdownSamples(file) }));
const fileNameOf = (name: string, sample: MarkdownSample) =>
  `${name.replace(/[/.]/g, '_')}-L${sample.line}.${sample.language === 'js' ? 'mjs' : 'ts'}`;

describe('docs samples', () => {
  it('finds the pages and their samples', () => {
    expect(pages.length).toBeGreaterThanOrEqual(20);
    expect(pages.flatMap((page) => page.samples).length).toBeGreaterThanOrEqual(25);
  });

  for (const page of pages) {
    for (const sample of page.samples) {
      it.skipIf(isFragment(sample))(`${page.name}:${sample.line} prints what it shows`, async () => {
        const printed = await runSample({
          source: sample.code,
          imports: {},
          directory: scratch,
          fileName: fileNameOf(page.name, sample),
          // A js sample is a plain Node script, run by node: it loads the packages' builds.
          childProcess: sample.language === 'js',
        });
        const expected = printedExpectations(sample.code);
        expect(printed, 'one printed line per console.log comment').toHaveLength(expected.length);
        expected.forEach((shown, k) => {
          expect(
            matchesShownOutput(shown, printed[k] as string),
            `line ${k + 1}: "${printed[k]}" vs "${shown}"`,
          ).toBe(true);
        });
      });
    }
  }

  it('type-checks every TypeScript sample, fragments included', () => {
    const directory = join(scratch, 'typecheck');
    mkdirSync(directory, { recursive: true });
    const files: string[] = [];
    for (const page of pages) {
      for (const sample of page.samples) {
        if (sample.language !== 'ts') continue;
        const file = fileNameOf(page.name, sample);
        writeFileSync(join(directory, file), `${sample.code}\nexport {};\n`);
        files.push(file);
      }
    }
    writeFileSync(
      join(directory, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, declaration: false, declarationMap: false },
        files,
      }),
    );
    const tsc = join(docsRoot, 'node_modules', '.bin', 'tsc');
    try {
      execFileSync(tsc, ['-p', join(directory, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const { stdout } = error as { stdout: string };
      expect.fail(`type errors in samples:\n${stdout}`);
    }
  });
});
