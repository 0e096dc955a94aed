/**
 * Every TypeScript sample of the README runs as written (the package import rewritten to source)
 * and prints what its comments say.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const samples = [
  ...readFileSync(join(here, '..', 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g),
].map((match) => match[1] as string);
const scratch = mkdtempSync(join(here, '.readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function show(value: unknown): string {
  if (value instanceof Float32Array) return `Float32Array [${Array.from(value).join(', ')}]`;
  return String(value);
}

describe('README samples', () => {
  it('has the Keras-style, custom-loop and save/load samples', () => {
    expect(samples.length).toBe(3);
  });

  samples.forEach((sample, i) => {
    it(`sample ${i + 1} runs and prints what its comments say`, async () => {
      const source = sample.replaceAll("'@gradclip/backend-tfjs'", `'${join(here, 'index.js')}'`);
      const file = join(scratch, `sample-${i}.ts`);
      writeFileSync(file, `${source}\nexport {};\n`);
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(show).join(' '));
      });
      try {
        await import(file);
      } finally {
        log.mockRestore();
      }
      // Each `console.log(...); // expected` comment: every word of it starts a printed word.
      const expectations = [...source.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map(
        (match) => match[1] as string,
      );
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
