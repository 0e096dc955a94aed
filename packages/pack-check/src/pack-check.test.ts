/**
 * The packaging check, as an outside user meets the packages: every published package is packed
 * with `pnpm pack` (which rewrites `workspace:` ranges), the tarballs are installed into a fresh
 * app with plain npm, and there each README's samples run as written, unrewritten; publint and
 * `attw --profile esm-only` check the tarballs, and the tarballs hold what they should (no tests,
 * a LICENSE, the metadata) at a size that says the conformance cases ship once.
 *
 * npm's cache lives in the OS temp folder across runs (`gradclip-pack-check-npm-cache`), so only
 * the first run downloads the peers. Install scripts never run (`--ignore-scripts`, and
 * `ONNXRUNTIME_NODE_INSTALL=skip` besides): onnxruntime-node's would download CUDA binaries.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readmeSamples } from '@gradclip/test-support';
import { runSampleInNode } from '@gradclip/test-support/node-samples';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..', '..');

/** The published packages (every workspace package that is not private), by folder. */
const PUBLISHED = [
  'core',
  'backend-tfjs',
  'backend-onnx',
  'backend-gpujs',
  'backend-wasm',
  'models',
] as const;
/** Core ships the conformance cases; once, compactly, it stays under this many unpacked bytes. */
const CORE_MAX_BYTES = 1_500_000;

interface PackageJson {
  readonly name: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly keywords?: readonly string[];
  readonly homepage?: string;
  readonly bugs?: { readonly url?: string };
  readonly repository?: { readonly url?: string; readonly directory?: string };
  readonly engines?: { readonly node?: string };
  readonly [field: string]: unknown;
}

interface Packed {
  readonly folder: string;
  readonly name: string;
  readonly tarball: string;
  readonly tarballBytes: number;
  /** The tarball extracted: `<unpacked>/package/…`. */
  readonly unpacked: string;
  readonly files: readonly string[];
  readonly unpackedBytes: number;
  readonly manifest: PackageJson;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function devVersion(folder: string, dependency: string): string {
  const manifest = readJson<{ devDependencies: Record<string, string> }>(
    join(root, 'packages', folder, 'package.json'),
  );
  const version = manifest.devDependencies[dependency];
  if (version === undefined) throw new Error(`packages/${folder} has no devDependency ${dependency}`);
  return version;
}

/** The peers an app installs beside the tarballs, at the versions the workspace tests with. */
const PEERS: Record<string, string> = {
  '@tensorflow/tfjs': devVersion('backend-tfjs', '@tensorflow/tfjs'),
  'onnxruntime-node': devVersion('backend-onnx', 'onnxruntime-node'),
  'gpu.js': devVersion('backend-gpujs', 'gpu.js'),
  // core's optional peer, for the `describeConformance` sample.
  vitest: devVersion('core', 'vitest'),
};

/** A fresh shell's environment: none of the npm_config_* pnpm sets for its scripts. */
function userEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm|pnpm)_/i.test(key) && key !== 'NODE_OPTIONS' && !key.startsWith('VITEST')) env[key] = value;
  }
  return { ...env, ...extra };
}

function filesUnder(directory: string, prefix = ''): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(directory, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

async function pack(folder: string, destination: string): Promise<Packed> {
  const cwd = join(root, 'packages', folder);
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination, '--json'], { cwd });
  const tarball = (JSON.parse(stdout) as { filename: string }).filename;
  const unpacked = join(destination, basename(tarball, '.tgz'));
  mkdirSync(unpacked);
  await run('tar', ['-xzf', tarball, '-C', unpacked]);
  const files = filesUnder(join(unpacked, 'package'));
  const unpackedBytes = files.reduce((sum, file) => sum + statSync(join(unpacked, 'package', file)).size, 0);
  const manifest = readJson<PackageJson>(join(unpacked, 'package', 'package.json'));
  return {
    folder,
    name: manifest.name,
    tarball,
    tarballBytes: statSync(tarball).size,
    unpacked,
    files,
    unpackedBytes,
    manifest,
  };
}

/** Each `console.log(…);` line of a sample, with the `// …` comment after it if there is one. */
function loggedLines(source: string): (string | undefined)[] {
  return [...source.matchAll(/console\.log\(.*\);(?: \/\/ (.*))?$/gm)].map((match) => match[1]);
}

/**
 * The comparison rule of these samples: every word of the comment starts a word of the printed
 * line, once brackets, commas and quotes are blanks ("…" stands for the rest of the digits).
 */
function expectPrinted(printed: string, comment: string): void {
  const blank = (text: string) => text.replace(/[[\],'"]/g, ' ');
  const words = blank(comment)
    .split(/…|\s+/)
    .filter((word) => word !== '');
  for (const word of words)
    expect(blank(printed)).toMatch(new RegExp(`(^|\\s)${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
}

function toJavaScript(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: false,
    },
  }).outputText;
}

const work = mkdtempSync(join(tmpdir(), 'gradclip-pack-check-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
const npmEnvironment = userEnvironment({
  npm_config_cache: join(tmpdir(), 'gradclip-pack-check-npm-cache'),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  ONNXRUNTIME_NODE_INSTALL: 'skip',
});
const packed = new Map<string, Packed>();
let kitRun: Promise<{ stdout: string; stderr: string }> | undefined;

beforeAll(async () => {
  mkdirSync(tarballs);
  mkdirSync(app);
  for (const result of await Promise.all(PUBLISHED.map((folder) => pack(folder, tarballs))))
    packed.set(result.folder, result);

  const dependencies: Record<string, string> = { ...PEERS };
  for (const result of packed.values()) dependencies[result.name] = `file:${result.tarball}`;
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'outside-app', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  await run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: app,
    env: npmEnvironment,
    maxBuffer: 64 * 1024 * 1024,
  });

  // Core's `describeConformance` sample, as a backend author's test file: `../src/index.js` is
  // their backend (here the reference), and the whole kit runs on it under the app's own vitest.
  // The longest step, so it starts now and runs beside the other samples.
  const kitSample = readmeSamples(join(app, 'node_modules', '@gradclip', 'core', 'README.md')).find(
    (sample) => sample.includes('describeConformance'),
  );
  if (kitSample !== undefined) {
    mkdirSync(join(app, 'src'));
    mkdirSync(join(app, 'test'));
    writeFileSync(
      join(app, 'src', 'index.js'),
      "export { createReferenceBackend as createMyBackend } from '@gradclip/core/reference';\n",
    );
    writeFileSync(join(app, 'test', 'conformance.test.mjs'), toJavaScript(kitSample));
    // Every case but the three past 2^24 elements (55 s on the reference; core's own
    // conformance test runs them).
    const vitest = join(app, 'node_modules', 'vitest', 'vitest.mjs');
    kitRun = run(process.execPath, [vitest, 'run', '--testNamePattern', '^(?!.*/large$)'], {
      cwd: app,
      env: userEnvironment({ CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' }),
      maxBuffer: 64 * 1024 * 1024,
    });
    kitRun.catch(() => {}); // awaited by its test
  }
});

afterAll(async () => {
  await kitRun?.catch(() => {});
  const rows = [...packed.values()].map(
    (p) =>
      `${p.name.padEnd(24)} ${(p.tarballBytes / 1e3).toFixed(0).padStart(6)} kB packed ${(p.unpackedBytes / 1e3).toFixed(0).padStart(6)} kB unpacked ${String(p.files.length).padStart(4)} files`,
  );
  console.info(`tarballs:\n${rows.join('\n')}`);
  rmSync(work, { recursive: true, force: true });
});

describe.each(PUBLISHED)('packages/%s', (folder) => {
  const get = (): Packed => {
    const result = packed.get(folder);
    if (result === undefined) throw new Error(`packages/${folder} was not packed`);
    return result;
  };

  it('ships its README, a LICENSE and its dist, and no tests or test helpers', () => {
    const { files } = get();
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(files).toContain('package.json');
    expect(files.some((file) => file.startsWith('dist/'))).toBe(true);
    expect(
      files.filter((file) => /\.test\.|test-support|(^|\/)\.readme-|(^|\/)(test|fixtures)\//.test(file)),
    ).toEqual([]);
  });

  it('has the metadata an outside user looks for, and no workspace: ranges', () => {
    const { manifest, unpacked } = get();
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe('MIT');
    expect(manifest.keywords?.length ?? 0).toBeGreaterThan(0);
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs?.url).toMatch(/^https:\/\//);
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\//);
    expect(manifest.repository?.directory).toBe(`packages/${folder}`);
    expect(manifest.engines?.node).toBe('>=20.19');
    expect(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8')).not.toContain('workspace:');
  });

  it('is clean under publint', async () => {
    const { tarball, manifest } = get();
    const buffer = readFileSync(tarball);
    const { messages } = await publint({
      pack: { tarball: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) },
      level: 'suggestion',
    });
    expect(messages.map((message) => formatMessage(message, manifest) ?? message.code)).toEqual([]);
  });

  it('resolves its types everywhere an ESM-only package must (attw --profile esm-only)', async () => {
    const attw = join(here, '..', 'node_modules', '.bin', 'attw');
    const result = await run(attw, [get().tarball, '--profile', 'esm-only', '--format', 'table-flipped'], {
      env: userEnvironment({ NO_COLOR: '1' }),
    }).then(
      ({ stdout }) => ({ ok: true, stdout }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false,
        stdout: `${error.stdout}${error.stderr}`,
      }),
    );
    expect(result.ok, result.stdout).toBe(true);
  });

  it('README samples run in the app as written and print what their comments say', async () => {
    // The README that shipped, read from the app's node_modules.
    const installed = join(app, 'node_modules', get().name, 'README.md');
    const samples = [
      ...readmeSamples(installed, 'ts').map((source) => ({ source, ts: true })),
      ...readmeSamples(installed, 'js').map((source) => ({ source, ts: false })),
    ]
      // A fragment (no imports) shows a pattern inside a larger program; the vitest sample
      // registers a suite and runs under vitest below.
      .filter(({ source }) => /^import /m.test(source) && !source.includes('describeConformance'));
    expect(samples.length).toBeGreaterThan(0);
    for (const [i, { source, ts: isTs }] of samples.entries()) {
      const { printed, stderr } = await runSampleInNode({
        source: isTs ? toJavaScript(source) : source,
        directory: app,
        fileName: `${folder}-sample-${i + 1}.mjs`,
        env: userEnvironment({}),
      });
      const expected = loggedLines(source);
      expect(printed, `${folder} sample ${i + 1} (stderr: ${stderr})`).toHaveLength(expected.length);
      expected.forEach((comment, k) => {
        if (comment !== undefined) expectPrinted(printed[k] as string, comment);
      });
    }
  });
});

describe('@gradclip/core', () => {
  it(`tarball stays under ${CORE_MAX_BYTES / 1e6} MB unpacked: the conformance cases ship once, minified`, () => {
    const core = packed.get('core');
    expect(core).toBeDefined();
    if (core === undefined) return;
    expect(core.unpackedBytes).toBeLessThan(CORE_MAX_BYTES);
    const json = core.files.filter((file) => file.endsWith('.json') && file !== 'package.json');
    expect(json.length).toBeGreaterThan(0);
    for (const file of json) {
      expect(file).toMatch(/^dist\//);
      expect(readFileSync(join(core.unpacked, 'package', file), 'utf8')).not.toContain('\n');
    }
  });

  it("README's describeConformance sample runs the whole kit under the app's vitest and passes", async () => {
    expect(kitRun).toBeDefined();
    const { stdout } = await (kitRun as Promise<{ stdout: string }>).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`the kit failed in the app:\n${error.stdout}\n${error.stderr}`);
      },
    );
    const passed = Number(/Tests\s+(\d+) passed/.exec(stdout)?.[1] ?? 0);
    expect(passed, stdout).toBeGreaterThan(50);
    expect(stdout).not.toMatch(/failed/);
  });
});
