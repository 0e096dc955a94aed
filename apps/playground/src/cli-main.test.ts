import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SequenceCase, sequenceCases } from '@gradclip/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlaygroundCli } from './cli-main.js';

const directory = mkdtempSync(join(tmpdir(), 'gradclip-playground-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run(argv: readonly string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runPlaygroundCli(argv, {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    cliPath: join(directory, 'cli.js'),
  });
  return { code, ...out };
}

/** A fresh --out directory holding the given files. */
function outWith(files: Record<string, string>): string {
  const out = mkdtempSync(join(directory, 'out-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  return out;
}

const EMPTY_PARITY = JSON.stringify({
  backends: [],
  results: [],
  summary: { cases: 0, backends: 0, bitIdentical: 0, compared: 0, maxUlp: 0, failed: 0, missing: [] },
});

const file = join(directory, 'a-file');
writeFileSync(file, 'x');
const corruptCases = join(directory, 'corrupt-cases.json');
writeFileSync(corruptCases, '{"cases": [');
const wrongCases = join(directory, 'wrong-cases.json');
writeFileSync(wrongCases, '{"cases": [{"id": 3}]}');
mkdirSync(join(directory, 'a-directory'));
const kitZClip = sequenceCases.find((testCase) => testCase.spec.kind === 'zClip') as SequenceCase;
const casesFile = (name: string, cases: readonly unknown[]) => {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify({ cases }));
  return path;
};
const emptySteps = casesFile('empty-steps.json', [{ ...kitZClip, steps: [] }]);
const badStepReport = casesFile('bad-step-report.json', [
  {
    ...kitZClip,
    steps: kitZClip.steps.map((step, index) =>
      index === 1
        ? { ...step, expect: { ...step.expect, report: { ...step.expect.report, scale: 'one' } } }
        : step,
    ),
  },
]);
const badParameters = casesFile('bad-parameters.json', [
  { id: 'agc/a', spec: { kind: 'agc' }, input: [], parameters: 'w' },
]);

// Issue 12 #7: every flag with a missing, malformed or out-of-range value, and report with
// corrupt or missing data, gives one line on stderr and a non-zero exit, before any work.
const BAD: readonly (readonly [string, () => readonly string[], RegExp])[] = [
  ['an unknown flag', () => ['parity', '--bogus'], /bogus/],
  ['an unknown command', () => ['bench'], /unknown command "bench"/],
  ['two commands', () => ['parity', 'demo'], /unknown command/],
  ...['cases', 'backends', 'epochs', 'out'].map(
    (option) => [`--${option} without a value`, () => ['parity', `--${option}`], new RegExp(option)] as const,
  ),
  ['--only-file with a value', () => ['parity', '--only-file=yes'], /only-file/],
  ['--help with a value', () => ['--help=yes'], /help/],
  ['--in-child with a value', () => ['parity', '--in-child=1'], /in-child/],
  ['demo --epochs -1', () => ['demo', '--epochs', '-1'], /--epochs: got "-1", expected a positive integer/],
  ['demo --epochs 0', () => ['demo', '--epochs', '0'], /--epochs/],
  ['demo --epochs 1.5', () => ['demo', '--epochs', '1.5'], /--epochs/],
  ['demo --epochs ten', () => ['demo', '--epochs', 'ten'], /--epochs/],
  ['all --epochs -1 (checked before parity runs)', () => ['all', '--epochs', '-1'], /--epochs/],
  ['--backends unknown', () => ['parity', '--backends', 'cuda'], /--backends: unknown backend cuda/],
  ['--cases empty', () => ['parity', '--cases', ''], /--cases/],
  ['--cases missing', () => ['parity', '--cases', join(directory, 'none.json')], /--cases .*none\.json/],
  ['--cases a directory', () => ['parity', '--cases', join(directory, 'a-directory')], /--cases/],
  ['--cases not JSON', () => ['parity', '--cases', corruptCases], /--cases .*corrupt-cases/],
  ['--cases of the wrong shape', () => ['parity', '--cases', wrongCases], /wrong-cases/],
  [
    '--cases with a sequence case without steps',
    () => ['parity', '--cases', emptySteps],
    /empty-steps\.json: cases\[0\] \("zClip\/[^"]+"\)\.steps: got \[\], expected a non-empty array/,
  ],
  [
    '--cases with a malformed step report',
    () => ['parity', '--cases', badStepReport],
    /bad-step-report\.json: cases\[0\] \(.*\)\.steps\[1\]\.expect\.report\.scale: got "one", expected a number/,
  ],
  [
    '--cases with parameters that are not a list',
    () => ['parity', '--cases', badParameters],
    /bad-parameters\.json: cases\[0\] \("agc\/a"\)\.parameters: got "w", expected an array/,
  ],
  ['--only-file without --cases', () => ['parity', '--only-file'], /--only-file/],
  ['--out a file', () => ['report', '--out', file], /--out/],
  ['--out empty', () => ['report', '--out', ''], /--out/],
  ['report with no data', () => ['report', '--out', outWith({})], /no parity\.json or demo\.json/],
  [
    'report with parity.json not JSON',
    () => ['report', '--out', outWith({ 'parity.json': '{"backends": [' })],
    /parity\.json: not valid JSON/,
  ],
  [
    'report with parity.json {}',
    () => ['report', '--out', outWith({ 'parity.json': '{}' })],
    /parity\.json: backends: expected an array/,
  ],
  [
    'report with parity.json null',
    () => ['report', '--out', outWith({ 'parity.json': 'null' })],
    /parity\.json/,
  ],
  [
    'report with a malformed result',
    () => [
      'report',
      '--out',
      outWith({ 'parity.json': EMPTY_PARITY.replace('"results":[]', '"results":[{"caseId":1}]') }),
    ],
    /results\[0\]\.caseId/,
  ],
  [
    'report with demo.json not JSON',
    () => ['report', '--out', outWith({ 'demo.json': '[{' })],
    /demo\.json: not valid JSON/,
  ],
  [
    'report with demo.json of the wrong shape',
    () => ['report', '--out', outWith({ 'demo.json': '[{"experiment":"x"}]' })],
    /demo\.json: \[0\]\.clipping/,
  ],
];

describe('gradclip-playground never crashes', () => {
  for (const [what, argv, message] of BAD) {
    it(`${what}: one line on stderr, exit 2`, async () => {
      const { code, stderr } = await run(argv());
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/^gradclip-playground: [^\n]+\n$/);
      expect(stderr).not.toMatch(/\n\s+at |TypeError|Cannot read/);
      expect(stderr).toMatch(message);
    });
  }

  it('report renders what parity wrote, and exits 0', async () => {
    const out = outWith({ 'parity.json': EMPTY_PARITY });
    const { code, stdout, stderr } = await run(['report', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/wrote .*report\.html/);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<html/i);
  });

  it('parity --cases reads sequence cases: a kit case passes, a wrong step is a difference naming case and step', async () => {
    const wrong = {
      ...kitZClip,
      id: 'zClip/wrong-step-2',
      steps: kitZClip.steps.map((step, index) =>
        index === 1
          ? {
              ...step,
              expect: {
                ...step.expect,
                report: { ...step.expect.report, clipped: !step.expect.report.clipped },
              },
            }
          : step,
      ),
    };
    const out = outWith({});
    const argv = ['parity', '--only-file', '--backends', 'reference', '--out', out, '--cases'];
    const good = await run([...argv, casesFile('good-sequence.json', [kitZClip])]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/reference\s+zClip\s+1\s+1\s+0\s+0\s+0/);
    const bad = await run([...argv, casesFile('wrong-sequence.json', [kitZClip, wrong])]);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/reference\s+zClip\s+2\s+1\s+0\s+1/);
    expect(bad.stdout).toMatch(
      /differs: reference zClip\/wrong-step-2 \(sequence of \d+ steps\): step 2 of \d+: report: clipped/,
    );
    const written = JSON.parse(readFileSync(join(out, 'parity.json'), 'utf8'));
    expect(
      written.results.find((result: { caseId: string }) => result.caseId === 'zClip/wrong-step-2'),
    ).toMatchObject({
      status: 'fail',
      steps: kitZClip.steps.length,
      detail: expect.stringMatching(/^step 2 of/),
    });
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: gradclip-playground/);
  });
});
