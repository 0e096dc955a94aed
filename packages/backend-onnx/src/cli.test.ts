import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { runExportCli } from './cli.js';

const directory = await mkdtemp(join(tmpdir(), 'gradclip-onnx-cli-'));
afterAll(() => rm(directory, { recursive: true, force: true }));

function capture() {
  const lines: string[] = [];
  return {
    lines,
    output: { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) },
  };
}

describe('gradclip-onnx-export', () => {
  it('writes a model that loads and clips', async () => {
    const out = join(directory, 'clip.onnx');
    const { lines, output } = capture();
    const code = await runExportCli(
      [
        '--spec',
        '{"kind":"globalNorm","maxNorm":1}',
        '--input',
        'dense/kernel=2,n',
        '--input',
        'dense/bias=2',
        '--out',
        out,
      ],
      output,
    );
    expect(code, lines.join('\n')).toBe(0);
    const session = await ort.InferenceSession.create(await readFile(out), {
      graphOptimizationLevel: 'disabled',
    });
    const result = await session.run({
      'dense/kernel': new ort.Tensor('float32', new Float32Array([3, 4, 0.5, -0.5]), [2, 2]),
      'dense/bias': new ort.Tensor('float32', new Float32Array([12, 0]), [2]),
    });
    expect(Array.from(result['clipped/dense/bias']?.data as Float32Array)).toEqual([
      Math.fround(12 * Math.fround(1 / Math.sqrt(169.5))),
      0,
    ]);
    expect((result['report/clipped'] as ort.Tensor).data[0]).toBe(1);
    await session.release();
  });

  it('explains a bad spec or missing option and fails', async () => {
    const { lines, output } = capture();
    expect(
      await runExportCli(
        ['--spec', '{"kind":"norm","maxNorm":-1}', '--input', 'w=2', '--out', join(directory, 'x.onnx')],
        output,
      ),
    ).toBe(1);
    expect(lines.join('\n')).toMatch(/maxNorm/);
    expect(await runExportCli(['--spec', '{}'], output)).toBe(2);
    expect(await runExportCli(['--help'], output)).toBe(0);
  });
});
