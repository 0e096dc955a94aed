/**
 * The README's plain Node script runs as written (package imports pointed at the sources) and
 * prints what its comments say.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printedExpectations, readmeSamples, runSample } from '@gradclip/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const samples = readmeSamples(join(here, '..', 'README.md'), 'js');
const script = samples[0] ?? '';
const stateScript = samples.find((sample) => sample.includes('clipGraphNextState')) ?? '';
const scratch = mkdtempSync(join(here, '.readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README', () => {
  it('clips a list of ort.Tensors with one call in a plain script', async () => {
    expect(script).toContain('createOnnxBackend');
    await expectPrintsItsComments(script, 'clip-gradients.mjs');
  });

  it('alternates between an exported stateful graph and core through the state JSON', async () => {
    expect(stateScript).toContain('clipGraphStateFeeds');
    await expectPrintsItsComments(stateScript, 'clip-graph-state.mjs');
  });
});

/** Runs a README script (package imports pointed at the sources) and matches each `// …` comment. */
async function expectPrintsItsComments(script: string, fileName: string): Promise<void> {
  const printed = await runSample({
    source: script,
    imports: { '@gradclip/backend-onnx': join(here, 'index.ts') },
    directory: scratch,
    fileName,
  });
  const expected = printedExpectations(script);
  expect(printed).toHaveLength(expected.length);
  printed.forEach((line, i) => {
    // "…" in a comment stands for the rest of the digits.
    const pattern = (expected[i] as string)
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\d*');
    expect(line).toMatch(new RegExp(`^${pattern}$`));
  });
}
