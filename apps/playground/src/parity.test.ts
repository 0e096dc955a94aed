import type { ClipBackend, HostTensor } from '@gradclip/core';
import { float32Bits, float32FromBits } from '@gradclip/core/backend';
import { bitsHash, conformanceCases, type SequenceCase, sequenceCases } from '@gradclip/core/conformance';
import { createReferenceBackend } from '@gradclip/core/reference';
import { describe, expect, it } from 'vitest';
import { isExpectedBackend, type PlaygroundBackend } from './backends.js';
import { runParity } from './parity.js';
import { fromConformanceCase, parseCaseFile } from './parity-case.js';
import { formatParity } from './parity-table.js';

const reference: PlaygroundBackend = {
  id: 'reference',
  mode: 'float64 oracle',
  create: async () => createReferenceBackend() as ClipBackend<unknown>,
};

/** A backend one ULP off on the first element of every scaled tensor. */
const offByOne: PlaygroundBackend = {
  id: 'off-by-one',
  mode: 'broken on purpose',
  create: async () => {
    const base = createReferenceBackend();
    const backend: ClipBackend<HostTensor> = {
      ...base,
      id: 'off-by-one',
      scale: (tensors, requests) =>
        (base.scale(tensors, requests) as HostTensor[]).map((tensor) => {
          const values = tensor.values.slice();
          if (values.length > 0) values[0] = float32FromBits(float32Bits(values[0] as number) + 1);
          return { shape: tensor.shape, values };
        }),
    };
    return backend as ClipBackend<unknown>;
  },
};

const missing: PlaygroundBackend = {
  id: 'gpujs:webgpu',
  mode: 'webgpu',
  create: () => Promise.reject(new Error('no WebGPU adapter (EGL_PLATFORM is not surfaceless)')),
};

const cases = conformanceCases
  .filter((testCase) =>
    ['globalNorm/keras-seed', 'value/keras-seed', 'globalNorm/error'].includes(testCase.id),
  )
  .map(fromConformanceCase);

describe('runParity', () => {
  it('compares every backend with the oracle bit for bit, and reports backends that cannot start', async () => {
    const run = await runParity({
      backends: [reference, offByOne, missing],
      cases,
      isExpected: (id) => isExpectedBackend(id, {}, 'linux-x64'),
    });
    expect(run.backends.map((backend) => [backend.id, backend.available])).toEqual([
      ['reference', true],
      ['off-by-one', true],
      ['gpujs:webgpu', false],
    ]);
    expect(run.backends[2]?.reason).toMatch(/no WebGPU adapter/);
    const result = (backend: string, caseId: string) =>
      run.results.find((entry) => entry.backend === backend && entry.caseId === caseId);
    expect(result('reference', 'globalNorm/keras-seed')).toMatchObject({
      status: 'pass',
      bitIdentical: true,
      maxUlp: 0,
    });
    expect(result('off-by-one', 'globalNorm/keras-seed')).toMatchObject({
      status: 'fail',
      bitIdentical: false,
      maxUlp: 1,
    });
    // value clipping does not scale, so the broken scale kernel is not involved.
    expect(result('off-by-one', 'value/keras-seed')).toMatchObject({ status: 'pass', bitIdentical: true });
    // Both reject the non-finite input with the same error code.
    expect(result('off-by-one', 'globalNorm/error')).toMatchObject({
      status: 'pass',
      error: { code: 'NON_FINITE_GRADIENT' },
    });
    expect(result('reference', 'globalNorm/keras-seed')?.outputs?.[0]).toEqual({
      name: 'w',
      shape: [2],
      values: [0.00899963453412056, 0.9999594688415527],
    });
    expect(run.summary).toMatchObject({
      cases: 3,
      backends: 2,
      compared: 6,
      bitIdentical: 5,
      maxUlp: 1,
      failed: 1,
      // Expected on linux-x64 and not started: the run fails even if every result passed.
      missing: ['gpujs:webgpu'],
    });
    const text = formatParity(run);
    expect(text).toMatch(/gpujs:webgpu: could not start — no WebGPU adapter/);
    expect(text).toMatch(
      /expected on this machine but could not start: gpujs:webgpu \(.*GRADCLIP_PARITY_OPTIONAL/,
    );
    expect(text).toMatch(/off-by-one\s+globalNorm\s+2\s+1\s+0\s+1\s+1/);
  });

  it("runs hand-written cases, whose expected result is the oracle's", async () => {
    const { cases: fileCases } = parseCaseFile({
      cases: [
        {
          id: 'file/negative-zero-and-infinities',
          spec: { kind: 'norm', maxNorm: 1, nonFinite: 'propagate' },
          input: [{ name: 'w', shape: [4], values: ['-0', 'Infinity', 2, '-Infinity'] }],
        },
      ],
    });
    const run = await runParity({ backends: [reference, offByOne], cases: fileCases });
    const result = (backend: string) => run.results.find((entry) => entry.backend === backend);
    expect(result('reference')).toMatchObject({ status: 'pass', bitIdentical: true, maxUlp: 0 });
    expect(result('reference')?.outputs?.[0]).toEqual({
      name: 'w',
      shape: [4],
      values: ['-0', 'NaN', 0, 'NaN'],
    });
    // The broken backend's -0 came out one ULP away (the smallest negative subnormal), and the
    // run says so against the oracle's expected result.
    expect(result('off-by-one')).toMatchObject({ status: 'fail', bitIdentical: false, maxUlp: 1 });
    expect(result('off-by-one')?.outputs?.[0]).toEqual({
      name: 'w',
      shape: [4],
      values: [-1.401298464324817e-45, 'NaN', 0, 'NaN'],
    });
    expect(result('off-by-one')?.detail).toMatch(/ULP/);
    expect(run.summary).toMatchObject({ compared: 2, bitIdentical: 1, failed: 1, missing: [] });
  });
});

/** A kit case as an outside file would carry it: through JSON and the file parser. */
function throughFile(...testCases: readonly unknown[]) {
  return parseCaseFile(JSON.parse(JSON.stringify({ cases: testCases })), 'sequences.json');
}

const kitZClip = sequenceCases.find((testCase) => testCase.spec.kind === 'zClip') as SequenceCase;
const kitAgc = sequenceCases.find((testCase) => testCase.spec.kind === 'agc') as SequenceCase;

describe('runParity with sequence cases', () => {
  it('passes a kit sequence case read from a file on the reference, and counts it as one case', async () => {
    const { sequenceCases: fromFile } = throughFile(kitZClip);
    const run = await runParity({ backends: [reference], cases: [], sequenceCases: fromFile });
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({
      caseId: kitZClip.id,
      backend: 'reference',
      status: 'pass',
      bitIdentical: true,
      maxUlp: 0,
      steps: kitZClip.steps.length,
    });
    expect(run.summary).toMatchObject({ cases: 1, compared: 1, bitIdentical: 1, failed: 0 });
    expect(formatParity(run)).toMatch(/reference\s+zClip\s+1\s+1\s+0\s+0\s+0/);
    expect(formatParity(run)).toMatch(/\(1 cases, 1 of them sequences × 1 backends\)/);
  });

  it('reports a wrong step expectation as a difference naming the case and the step, on every backend', async () => {
    // Step 3 expects a threshold one float64 ULP away from the true one.
    const steps = kitZClip.steps.map((step, index) => {
      if (index !== 2) return step;
      const threshold = step.expect.report.threshold as number;
      return {
        ...step,
        expect: { ...step.expect, report: { ...step.expect.report, threshold: threshold * (1 + 2 ** -52) } },
      };
    });
    const { sequenceCases: fromFile } = throughFile({ ...kitZClip, id: 'zClip/wrong-step-3', steps });
    const run = await runParity({ backends: [reference, offByOne], cases: [], sequenceCases: fromFile });
    for (const result of run.results) {
      expect(result).toMatchObject({ caseId: 'zClip/wrong-step-3', status: 'fail', bitIdentical: false });
    }
    expect(run.results.find((result) => result.backend === 'reference')?.detail).toMatch(
      new RegExp(`^step 3 of ${steps.length}: report: threshold`),
    );
    expect(run.summary.failed).toBe(2);
    const text = formatParity(run);
    expect(text).toMatch(/reference\s+zClip\s+1\s+0\s+0\s+1/);
    expect(text).toMatch(
      /differs: reference zClip\/wrong-step-3 \(sequence of \d+ steps\): step 3 of \d+: report: threshold/,
    );
  });

  it('finds the broken backend in a kit sequence case (hashed outputs: no ULP distance)', async () => {
    const run = await runParity({ backends: [reference, offByOne], cases: [], sequenceCases: [kitZClip] });
    const broken = run.results.find((result) => result.backend === 'off-by-one');
    expect(broken).toMatchObject({ status: 'fail', bitIdentical: false, maxUlp: null });
    expect(broken?.detail).toMatch(
      /^step \d+ of \d+: output "[^"]+" hashes to [0-9a-f]{16}, expected [0-9a-f]{16}(;|$)/,
    );
    expect(run.results.find((result) => result.backend === 'reference')).toMatchObject({ status: 'pass' });
  });

  it("runs a single agc case with parameters: the outputs are the kit step's (from the Python fixture)", async () => {
    const [step] = kitAgc.steps;
    expect(step?.parameters?.length).toBeGreaterThan(0);
    const { cases: fromFile } = throughFile({
      id: 'agc/single-call',
      spec: kitAgc.spec,
      input: step?.input,
      parameters: step?.parameters,
    });
    const run = await runParity({ backends: [reference, offByOne], cases: fromFile });
    const result = (backend: string) => run.results.find((entry) => entry.backend === backend);
    expect(result('reference')).toMatchObject({ status: 'pass', error: null, report: { kind: 'agc' } });
    const expected = step?.expect.outputs.map((output) =>
      'hash' in output ? output.hash : bitsHash(new Float32Array(output.values as number[])),
    );
    expect(
      result('reference')?.outputs?.map((output) =>
        'hash' in output ? output.hash : bitsHash(new Float32Array(output.values as number[])),
      ),
    ).toEqual(expected);
    // Without the parameters the call is refused (the oracle refuses alike, so the row passes).
    const { cases: bare } = throughFile({ id: 'agc/no-parameters', spec: kitAgc.spec, input: step?.input });
    const refused = await runParity({ backends: [reference], cases: bare });
    expect(refused.results[0]).toMatchObject({ status: 'pass', error: { code: 'INVALID_SPEC' } });
    expect(refused.results[0]?.error?.message).toMatch(/options\.parameters: missing/);
  });
});

describe('isExpectedBackend', () => {
  it('expects every listed backend on linux-x64 unless GRADCLIP_PARITY_OPTIONAL names it', () => {
    expect(isExpectedBackend('gpujs:headlessgl', {}, 'linux-x64')).toBe(true);
    expect(isExpectedBackend('onnx', {}, 'linux-x64')).toBe(true);
    const env = { GRADCLIP_PARITY_OPTIONAL: 'gpujs:webgpu, tfjs' };
    expect(isExpectedBackend('gpujs:webgpu', env, 'linux-x64')).toBe(false);
    expect(isExpectedBackend('gpujs:headlessgl', env, 'linux-x64')).toBe(true);
    expect(isExpectedBackend('tfjs:wasm', env, 'linux-x64')).toBe(false);
    expect(isExpectedBackend('reference', { GRADCLIP_PARITY_OPTIONAL: '*' }, 'linux-x64')).toBe(false);
  });

  it('expects the GPU-stack modes only on the platforms they list', () => {
    expect(isExpectedBackend('gpujs:webgpu', {}, 'darwin-arm64')).toBe(false);
    expect(isExpectedBackend('gpujs:headlessgl', {}, 'win32-x64')).toBe(false);
    expect(isExpectedBackend('gpujs:webasm', {}, 'darwin-arm64')).toBe(true);
    expect(isExpectedBackend('a-test-backend', {}, 'darwin-arm64')).toBe(true);
  });
});
