import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaygroundBackend } from './backends.js';
import { type ParityRun, unavailableEntry, uncountedSummary } from './parity.js';

export interface ChildParityOptions {
  /** The playground CLI to run (this file's compiled sibling, cli.js). */
  readonly cliPath: string;
  readonly backend: PlaygroundBackend;
  /** The parity arguments the parent got (cases file, only-file), passed on unchanged. */
  readonly passThrough: readonly string[];
  readonly caseCount: number;
}

/**
 * Runs one backend's parity in a child process and returns its run. A child that crashes (as
 * Dawn and headless-gl do when they share a process) yields an unavailable backend with the reason,
 * never a missing row.
 */
export async function runChildParity(options: ChildParityOptions): Promise<ParityRun> {
  const { backend } = options;
  const out = mkdtempSync(join(tmpdir(), 'gradclip-parity-'));
  const args = [
    options.cliPath,
    'parity',
    '--in-child',
    '--backends',
    backend.id,
    '--out',
    out,
    ...options.passThrough,
  ];
  const useXvfb = backend.needsDisplay === true && !process.env.DISPLAY;
  const [command, commandArgs] = useXvfb
    ? ['xvfb-run', ['-a', process.execPath, ...args]]
    : [process.execPath, args];
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (data: Buffer) => {
        stderr = (stderr + data.toString()).slice(-2000);
      });
      child.on('error', (error) => resolve({ code: null, stderr: `${error.message}\n${stderr}` }));
      child.on('exit', (exitCode) => resolve({ code: exitCode, stderr }));
    });
    try {
      return JSON.parse(readFileSync(join(out, 'parity.json'), 'utf8')) as ParityRun;
    } catch {
      const lastLines = stderr.trim().split('\n').slice(-3).join(' | ');
      return {
        backends: [
          unavailableEntry(
            backend,
            `its child process (${command}) exited with code ${code} before writing results: ${lastLines}`,
          ),
        ],
        results: [],
        summary: uncountedSummary(options.caseCount),
      };
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
