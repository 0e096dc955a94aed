import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');

/** Runs a script in a fresh Node process (TF.js's banner fires once per process) and returns stderr. */
function stderrOf(script: string): string {
  const result = spawnSync(tsx, ['--conditions=@gradclip/source', '--input-type=module', '-e', script], {
    cwd: here,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`the script failed: ${result.stderr}`);
  return result.stderr;
}

describe('silenceTfjsNodeBanner', () => {
  const run = (silence: boolean) =>
    [
      "import * as tf from '@tensorflow/tfjs';",
      "import { silenceTfjsNodeBanner } from './tfjs-node-banner.ts';",
      silence ? 'silenceTfjsNodeBanner(tf);' : '',
      "await tf.setBackend('cpu');",
      'const sum = tf.tensor1d([1, 2, 3]).sum().dataSync()[0];',
      "process.stderr.write(['sum', sum, 'PROD', tf.env().getBool('PROD'), 'backend', tf.getBackend()].join(' '));",
      // A later TF.js warning (a kernel registered twice) still prints.
      "tf.registerKernel(tf.getKernel('Sum', 'cpu'));",
    ].join('\n');

  it('mutes only the first-tensor banner: TF.js computes as before, later warnings still print', () => {
    const quiet = stderrOf(run(true));
    expect(quiet).not.toMatch(/looks like you are running TensorFlow\.js in Node/);
    expect(quiet).toMatch(/sum 6 PROD false backend cpu/);
    expect(quiet).toMatch(/kernel 'Sum' for backend 'cpu' is already registered/);
  });

  it('is what removes the banner (without it, TF.js prints it)', () => {
    expect(stderrOf(run(false))).toMatch(/looks like you are running TensorFlow\.js in Node/);
  });
});
