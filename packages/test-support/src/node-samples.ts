/**
 * README samples run as an outside user runs them: in a child `node` process, in a directory of
 * its own (e.g. an app that installed the packed tarballs), with no import rewritten. What the
 * sample logs comes back as lines shown the way `runSample` shows them, so the same comparison
 * rules apply.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { showLogged } from './readme-samples.js';

export interface RunSampleInNodeOptions {
  /** The sample as JavaScript (an ES module). */
  readonly source: string;
  /** Where the sample is written and run: its bare imports resolve from here. */
  readonly directory: string;
  /** Ends in `.mjs`. */
  readonly fileName: string;
  /** The child's environment. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default 120 000 ms. */
  readonly timeoutMs?: number;
}

export interface NodeSampleRun {
  /** Each `console.log` call, its arguments shown by `showLogged` and joined by spaces. */
  readonly printed: string[];
  readonly stdout: string;
  readonly stderr: string;
}

/** Writes the sample and a launcher beside it, runs `node launcher` there, returns what it logged. */
export async function runSampleInNode(options: RunSampleInNodeOptions): Promise<NodeSampleRun> {
  const sample = join(options.directory, options.fileName);
  const launcher = `${sample}.launch.mjs`;
  const logged = `${sample}.logged.json`;
  writeFileSync(sample, options.source);
  writeFileSync(
    launcher,
    [
      "import { writeFileSync } from 'node:fs';",
      `const showLogged = ${showLogged.toString()};`,
      'const printed = [];',
      "console.log = (...args) => { printed.push(args.map(showLogged).join(' ')); };",
      `try { await import(${JSON.stringify(`./${options.fileName}`)}); }`,
      `finally { writeFileSync(${JSON.stringify(logged)}, JSON.stringify(printed)); }`,
      '',
    ].join('\n'),
  );
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [launcher], {
    cwd: options.directory,
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { printed: JSON.parse(readFileSync(logged, 'utf8')) as string[], stdout, stderr };
}
