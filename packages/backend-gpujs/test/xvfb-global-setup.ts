/**
 * vitest globalSetup: gives headlessgl an X display. With DISPLAY already set (a desktop, or
 * `xvfb-run`), nothing happens. Otherwise it starts `Xvfb -displayfd` (which picks a free display
 * number and reports it) and sets DISPLAY before the test workers start; they inherit it. If Xvfb
 * cannot start, the run fails here with the reason: the headlessgl mode is never skipped silently.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

let server: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (process.env.DISPLAY) return;
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  server = child;
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Xvfb did not report a display within 20 s: ${stderr}`)),
      20_000,
    );
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(
        new Error(`cannot start Xvfb for the headlessgl tests (install xvfb: scripts/setup.sh): ${reason}`),
      );
    };
    child.on('error', (error) => fail(error.message));
    child.on('exit', (code) => fail(`Xvfb exited with code ${code}: ${stderr}`));
    let reported = '';
    (child.stdio[3] as Readable).on('data', (data: Buffer) => {
      reported += data.toString();
      if (reported.includes('\n')) {
        clearTimeout(timer);
        resolve(reported.trim());
      }
    });
  });
  child.removeAllListeners('exit');
  process.env.DISPLAY = `:${display}`;
}

export async function teardown(): Promise<void> {
  if (server === undefined) return;
  const child = server;
  server = undefined;
  delete process.env.DISPLAY;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
