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

  // Issue 12 #7, #8: every flag with a missing, malformed or out-of-range value gives one clear
  // line on stderr and a non-zero exit, never a stack trace nor a silently odd graph.
  const deep = (depth: number): string =>
    `${'{"kind":"chain","steps":['.repeat(depth)}{"kind":"norm","maxNorm":1}${']}'.repeat(depth)}`;
  const spec = '{"kind":"norm","maxNorm":1}';
  const out = () => join(directory, 'bad.onnx');
  const BAD: readonly (readonly [string, () => string[], RegExp])[] = [
    ['an unknown flag', () => ['--bogus', '--spec', spec, '--input', 'w=2', '--out', out()], /bogus/],
    ['a positional argument', () => ['extra', '--spec', spec, '--input', 'w=2', '--out', out()], /extra/],
    ['--spec without a value', () => ['--input', 'w=2', '--out', out(), '--spec'], /--spec/],
    [
      '--spec not JSON',
      () => ['--spec', '{kind:', '--input', 'w=2', '--out', out()],
      /--spec: not valid JSON/,
    ],
    [
      '--spec out of range',
      () => ['--spec', '{"kind":"norm","maxNorm":-1}', '--input', 'w=2', '--out', out()],
      /maxNorm/,
    ],
    ['--spec nested 3,000 deep', () => ['--spec', deep(3000), '--input', 'w=2', '--out', out()], /spec/],
    ['--input without a value', () => ['--spec', spec, '--out', out(), '--input'], /--input/],
    ['--input without dims', () => ['--spec', spec, '--input', 'w', '--out', out()], /--input/],
    ['--input without a name', () => ['--spec', spec, '--input', '=3', '--out', out()], /--input/],
    ['--input with an empty dim', () => ['--spec', spec, '--input', 'w=3,,4', '--out', out()], /--input/],
    ['--input with a negative dim', () => ['--spec', spec, '--input', 'w=-3', '--out', out()], /"-3"/],
    ['--input with 1e3 as a dim', () => ['--spec', spec, '--input', 'w=1e3', '--out', out()], /"1e3"/],
    ['--input with a fractional dim', () => ['--spec', spec, '--input', 'w=1.5', '--out', out()], /"1.5"/],
    [
      '--input with a dim beyond int64',
      () => ['--spec', spec, '--input', 'w=99999999999999999999', '--out', out()],
      /too large/,
    ],
    [
      '--input names twice',
      () => ['--spec', spec, '--input', 'w=2', '--input', 'w=3', '--out', out()],
      /name/,
    ],
    ['--out without a value', () => ['--spec', spec, '--input', 'w=2', '--out'], /--out/],
    ['--out empty', () => ['--spec', spec, '--input', 'w=2', '--out', ''], /--out/],
    [
      '--out in a missing directory',
      () => ['--spec', spec, '--input', 'w=2', '--out', join(directory, 'no/such/x.onnx')],
      /existing directory/,
    ],
    ['--out a directory', () => ['--spec', spec, '--input', 'w=2', '--out', directory], /not a directory/],
    ['no options', () => [], /required/],
  ];
  for (const [what, args, message] of BAD) {
    it(`fails with one clear line for ${what}`, async () => {
      const errors: string[] = [];
      const code = await runExportCli(args(), { log: () => {}, error: (line) => errors.push(line) });
      expect(code).toBeGreaterThan(0);
      expect(errors).toHaveLength(1);
      const line = errors[0] as string;
      expect(line.split('\n')).toHaveLength(1);
      expect(line).not.toMatch(/\n\s+at |TypeError|RangeError|Cannot read/);
      expect(line).toMatch(message);
    });
  }
});
