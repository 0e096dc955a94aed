/**
 * The kit's concurrency check: many overlapping `clip` calls with different data and specs on one
 * backend instance must each give the same bits as the same call run alone. A backend that keeps
 * state across an `await` (staging buffers, a session's outputs, scratch memory) fails it.
 */
import type { ClipBackend } from '../backend.js';
import { clip } from '../clipper.js';
import { firstFloat32Difference } from '../float32.js';
import type { ClipReport } from '../report.js';
import { elementCount } from '../slice-layout.js';
import type { ConformanceCase } from './case-format.js';
import { caseInputValues } from './case-inputs.js';

export interface ConcurrencyOptions {
  /** Cases to run; only those that expect outputs and fit the backend are used. */
  readonly cases: readonly ConformanceCase[];
  /** Calls in flight at once. Default 32. */
  readonly overlap?: number;
  /** Skip cases with more elements than this (the check is about interleaving, not size). Default 200,000. */
  readonly maxElements?: number;
}

export interface ConcurrencyOutcome {
  readonly calls: number;
  readonly failures: readonly string[];
  readonly passed: boolean;
}

interface Run {
  readonly outputs: Float32Array[];
  readonly report: ClipReport;
}

/** Runs the cases one by one, then all at once (`overlap` in flight), and compares bit for bit. */
export async function checkConcurrency<T>(
  backend: ClipBackend<T>,
  options: ConcurrencyOptions,
): Promise<ConcurrencyOutcome> {
  const usable = options.cases.filter((testCase) => fits(backend, testCase, options.maxElements ?? 200_000));
  const overlap = Math.max(1, options.overlap ?? 32);
  const chosen = Array.from(
    { length: Math.min(overlap, usable.length * 4) },
    (_, i) => usable[i % usable.length],
  );
  const sequential: Run[] = [];
  for (const testCase of chosen) sequential.push(await runCase(backend, testCase as ConformanceCase));
  const concurrent = await Promise.all(
    chosen.map((testCase) => runCase(backend, testCase as ConformanceCase)),
  );
  const failures: string[] = [];
  chosen.forEach((testCase, k) => {
    const alone = sequential[k] as Run;
    const together = concurrent[k] as Run;
    const id = (testCase as ConformanceCase).id;
    if (
      !Object.is(alone.report.normBefore, together.report.normBefore) ||
      alone.report.clipped !== together.report.clipped
    ) {
      failures.push(
        `call ${k} (${id}): report normBefore ${together.report.normBefore} in flight with others, ${alone.report.normBefore} alone`,
      );
    }
    alone.outputs.forEach((values, t) => {
      const difference = firstFloat32Difference(together.outputs[t] as Float32Array, values);
      if (difference !== undefined) {
        failures.push(
          `call ${k} (${id}): output ${t}[${difference.index}] is ${difference.actual} in flight with others, ${difference.expected} alone`,
        );
      }
    });
  });
  return { calls: chosen.length, failures, passed: failures.length === 0 };
}

function fits<T>(backend: ClipBackend<T>, testCase: ConformanceCase, maxElements: number): boolean {
  if (!('outputs' in testCase.expect)) return false;
  if ((testCase.requires ?? []).some((capability) => !backend.manifest.capabilities.includes(capability)))
    return false;
  if (backend.manifest.expectedFailures.some((entry) => entry.caseId === testCase.id)) return false;
  const elements = testCase.input.reduce((total, input) => total + elementCount(input.shape), 0);
  return elements <= maxElements;
}

async function runCase<T>(backend: ClipBackend<T>, testCase: ConformanceCase): Promise<Run> {
  const inputs: T[] = [];
  for (const input of testCase.input)
    inputs.push(await backend.fromHost(caseInputValues(input), input.shape));
  const { gradients, report } = await clip(inputs, testCase.spec as never, { backend });
  const outputs: Float32Array[] = [];
  for (const tensor of gradients) outputs.push(await backend.toHost(tensor));
  const created = gradients.filter((tensor) => !inputs.includes(tensor));
  backend.release([...inputs, ...created]);
  return { outputs, report };
}
