/**
 * The README's plain Node script runs as written (package imports pointed at the sources) and
 * prints what its comments say.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const script = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] as string)[0] ?? '';
const scratch = mkdtempSync(join(here, '.readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README', () => {
  it('clips a list of ort.Tensors with one call in a plain script', async () => {
    expect(script).toContain('createOnnxBackend');
    const file = join(scratch, 'clip-gradients.mjs');
    writeFileSync(file, script.replaceAll("'@gradclip/backend-onnx'", `'${join(here, 'index.ts')}'`));
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(
        args
          .map((arg) =>
            arg instanceof Float32Array ? `Float32Array [${Array.from(arg).join(', ')}]` : String(arg),
          )
          .join(' '),
      );
    });
    try {
      await import(file);
    } finally {
      log.mockRestore();
    }
    const expected = [...script.matchAll(/console\.log\(.*\); \/\/ (.*)/g)].map(
      (match) => match[1] as string,
    );
    expect(printed).toHaveLength(expected.length);
    printed.forEach((line, i) => {
      // "…" in a comment stands for the rest of the digits.
      const pattern = (expected[i] as string)
        .split('…')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('\\d*');
      expect(line).toMatch(new RegExp(`^${pattern}$`));
    });
  });
});
