import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelsError } from '../errors.js';
import { loadClipping } from './load-clipping.js';
import { runCommand } from './run-command.js';

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    streams: {
      stdout: { isTTY: false, write: (text: string) => (out.stdout += text) },
      stderr: { isTTY: false, write: (text: string) => (out.stderr += text) },
    },
  };
}

describe('gradclip-models (command line)', () => {
  it('runs the regression experiment with a Keras option and writes the history as JSON', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gradclip-cli-'));
    const path = join(directory, 'history.json');
    const { out, streams } = io();
    const result = await runCommand(
      ['regression', '--clipvalue', '5', '--epochs', '2', '--out', path],
      streams,
    );
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written.experiment).toBe('regression');
    expect(written.clipping).toEqual({
      backend: 'reference',
      spec: { kind: 'value', min: -5, max: 5, nonFinite: 'error', compat: 'exact' },
    });
    expect(written.tfjsBackend).toBe('cpu');
    expect(written.history.steps).toHaveLength(32);
    expect(written.history.steps.map((step: { loss: number }) => step.loss)).toEqual(
      result?.history.steps.map((step) => step.loss),
    );
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^regression: test loss [\d.]+, 2 epochs in [\d.]+ s\n$/);
  });

  it('writes non-finite losses as strings and records why training stopped', async () => {
    const { out, streams } = io();
    await runCommand(['regression', '--epochs', '1'], streams);
    const written = JSON.parse(out.stdout);
    expect(written.clipping).toBeNull();
    expect(written.history.stopped.reason).toMatch(/non-finite loss/);
    expect(['NaN', 'Infinity']).toContain(written.history.steps.at(-1).loss);
  });

  it('clips through each installed backend package by id', async () => {
    for (const [id, expected] of [
      ['tfjs', /^tfjs:/],
      ['onnx', /^onnx:/],
      ['gpujs:webasm', /^gpujs:webasm$/],
    ] as const) {
      const { out, streams } = io();
      await runCommand(['regression', '--clipnorm', '1', '--epochs', '1', '--backend', id], streams);
      const written = JSON.parse(out.stdout);
      expect(written.clipping.backend).toMatch(expected);
      expect(written.history.steps.every((step: { loss: unknown }) => typeof step.loss === 'number')).toBe(
        true,
      );
    }
  });

  it('reports a backend that is not installed, and bad options, clearly', async () => {
    const { streams } = io();
    const missing = () =>
      Promise.reject(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }));
    const notInstalled = loadClipping('onnx', { kind: 'norm', maxNorm: 1 }, missing);
    await expect(notInstalled).rejects.toThrow(ModelsError);
    await expect(notInstalled).rejects.toThrow(
      /backend "onnx": the package @gradclip\/backend-onnx is not installed/,
    );
    await expect(runCommand(['regression', '--clipnorm', '1', '--backend', 'cuda'], streams)).rejects.toThrow(
      /--backend: got "cuda", expected one of reference, tfjs, onnx, gpujs/,
    );
    await expect(runCommand(['regression', '--clipnorm', '1', '--clipvalue', '2'], streams)).rejects.toThrow(
      /clipping: got --clipvalue and --clipnorm, expected at most one/,
    );
    await expect(runCommand(['mnist'], streams)).rejects.toThrow(
      /experiment: got "mnist", expected regression/,
    );
    await expect(runCommand(['regression', '--epochs', 'ten'], streams)).rejects.toThrow(
      /--epochs: got "ten", expected an integer ≥ 1/,
    );
    await expect(
      runCommand(['regression', '--spec', '{"kind":"value","min":1,"max":-1}'], streams),
    ).rejects.toThrow(/min/);
  });

  it('prints usage with --help', async () => {
    const { out, streams } = io();
    expect(await runCommand(['--help'], streams)).toBeNull();
    expect(out.stdout).toContain('Usage: gradclip-models');
  });
});
