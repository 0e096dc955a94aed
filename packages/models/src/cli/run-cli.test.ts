import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClipping } from './load-clipping.js';
import { runCli } from './run-cli.js';

const directory = await mkdtemp(join(tmpdir(), 'gradclip-models-cli-'));
afterAll(() => rm(directory, { recursive: true, force: true }));

async function run(argv: readonly string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runCli(argv, {
    stdout: { isTTY: false, write: (text: string) => (out.stdout += text) },
    stderr: { isTTY: false, write: (text: string) => (out.stderr += text) },
  });
  return { code, ...out };
}

const STRING_OPTIONS = [
  'spec',
  'spec-file',
  'clipvalue',
  'clipnorm',
  'global-clipnorm',
  'backend',
  'epochs',
  'batch-size',
  'seed',
  'learning-rate',
  'train-limit',
  'data',
  'length',
  'tfjs-backend',
  'out',
];

// Issue 12 #7: every flag with a missing, malformed or out-of-range value gives one clear line on
// stderr and a non-zero exit, before any training — never a stack trace.
const BAD: readonly (readonly [string, readonly string[], RegExp])[] = [
  ['an unknown flag', ['regression', '--bogus'], /bogus/],
  ['no experiment', [], /experiment/],
  ['an unknown experiment', ['mnist'], /experiment/],
  ['two experiments', ['regression', 'adding'], /experiment/],
  ['--help with a value', ['regression', '--help=yes'], /help/],
  ...STRING_OPTIONS.map(
    (option) => [`--${option} without a value`, ['regression', `--${option}`], new RegExp(option)] as const,
  ),
  ['--spec not JSON', ['regression', '--spec', '{kind'], /JSON|spec/i],
  ['--spec out of range', ['regression', '--spec', '{"kind":"norm","maxNorm":-1}'], /maxNorm/],
  [
    '--spec-file missing',
    ['regression', '--spec-file', join(directory, 'none.json')],
    /--spec-file.*no such file/,
  ],
  ['--spec-file a directory', ['regression', '--spec-file', directory], /--spec-file.*directory/],
  ['two clipping options', ['regression', '--clipnorm', '1', '--clipvalue', '1'], /at most one/],
  ...(['clipvalue', 'clipnorm', 'global-clipnorm'] as const).flatMap((option) => [
    [`--${option} malformed`, ['regression', `--${option}`, 'abc'], /expected a number/] as const,
    [`--${option} -1`, ['regression', `--${option}`, '-1'], /clip|norm|value/i] as const,
  ]),
  ['--backend unknown', ['regression', '--clipnorm', '1', '--backend', 'bogus'], /--backend/],
  ['--backend unknown without clipping', ['regression', '--backend', 'bogus'], /--backend/],
  ['--backend with an empty mode', ['regression', '--clipnorm', '1', '--backend', 'gpujs:'], /--backend/],
  ['--backend with a bad mode', ['regression', '--clipnorm', '1', '--backend', 'gpujs:bogus'], /mode|gpujs/],
  ...(['epochs', 'batch-size', 'train-limit', 'length'] as const).flatMap((option) => [
    [
      `--${option} malformed`,
      ['regression', `--${option}`, 'abc'],
      new RegExp(`--${option}.*integer`),
    ] as const,
    [
      `--${option} fractional`,
      ['regression', `--${option}`, '1.5'],
      new RegExp(`--${option}.*integer`),
    ] as const,
    [`--${option} 0`, ['regression', `--${option}`, '0'], new RegExp(`--${option}.*integer`)] as const,
    [`--${option} -1`, ['regression', `--${option}`, '-1'], new RegExp(`--${option}.*integer`)] as const,
  ]),
  ['--seed malformed', ['regression', '--seed', 'x'], /--seed/],
  ['--seed -1', ['regression', '--seed', '-1'], /--seed/],
  ['--seed fractional', ['regression', '--seed', '0.5'], /--seed/],
  ['--learning-rate malformed', ['adding', '--learning-rate', 'fast'], /--learning-rate/],
  ['--learning-rate 0', ['adding', '--learning-rate', '0'], /--learning-rate/],
  ['--learning-rate -0.1', ['adding', '--learning-rate', '-0.1'], /--learning-rate/],
  ['--learning-rate Infinity', ['adding', '--learning-rate', 'Infinity'], /--learning-rate/],
  ['--data a missing directory', ['fashion-mnist', '--data', join(directory, 'none')], /./],
  ['--tfjs-backend unknown', ['regression', '--tfjs-backend', 'webgl'], /--tfjs-backend/],
  [
    '--out in a missing directory',
    ['regression', '--out', join(directory, 'no/such/out.json')],
    /existing directory/,
  ],
  ['--out a directory', ['regression', '--out', directory], /not a directory/],
  ['--out empty', ['regression', '--out', ''], /--out/],
];

describe('gradclip-models never crashes', () => {
  for (const [what, argv, message] of BAD) {
    it(`${what}: one line on stderr, exit 2`, async () => {
      const { code, stdout, stderr } = await run(argv);
      expect(code, stderr).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^gradclip-models: [^\n]+\n$/);
      expect(stderr).not.toMatch(/\n\s+at |TypeError|RangeError|Cannot read|undefined/);
      expect(stderr).toMatch(message);
    });
  }

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: gradclip-models/);
  });

  it('--backend gpujs without a mode starts gpu.js in cpu mode, as the README promises', async () => {
    const clipping = await loadClipping('gpujs', { kind: 'globalNorm', maxNorm: 1 });
    try {
      expect(clipping.clipper.backend.id).toBe('gpujs:cpu');
    } finally {
      await clipping.clipper.backend.dispose();
    }
  });
});
