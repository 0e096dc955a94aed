/**
 * The conformance kit for vitest users: one call in a backend's test file.
 *
 * ```ts
 * import { describeConformance } from '@gradclip/core/conformance/vitest';
 * describeConformance({ label: 'my backend', create: () => createMyBackend() });
 * ```
 *
 * Opt-outs come only from the backend's manifest (capabilities, expected failures with a reason).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ClipBackend } from '../backend.js';
import { boundaryCases } from './boundary-cases.js';
import type { ConformanceCase } from './case-format.js';
import { conformanceCases } from './cases.js';
import { checkCase } from './check-case.js';
import { checkSequenceCase } from './check-sequence-case.js';
import { checkConcurrency } from './concurrency.js';
import type { SequenceCase } from './sequence-case-format.js';
import { sequenceCases } from './sequence-cases.js';

export interface DescribeConformanceOptions<T> {
  /** Name of the describe block. Default: "conformance". */
  readonly label?: string;
  /** Async factory of the backend under test, called once for the block and disposed after it. */
  readonly create: () => Promise<ClipBackend<T>>;
  /** Default: every case of the kit, then its generated rounding-boundary cases (`boundaryCases()`). */
  readonly cases?: readonly ConformanceCase[];
  /** Multi-step cases for the stateful kinds and agc, each on one clipper. Default: the kit's `sequenceCases`. */
  readonly sequenceCases?: readonly SequenceCase[];
  /** Overlapping calls for the concurrency check (0 skips it). Default 32. */
  readonly concurrency?: number;
  /** Per-case timeout in ms. Default 120 000 (the kit has tensors past 2^24 elements). */
  readonly timeout?: number;
}

export function describeConformance<T>(options: DescribeConformanceOptions<T>): void {
  const cases = options.cases ?? [...conformanceCases, ...boundaryCases()];
  describe(options.label ?? 'conformance', () => {
    let backend: ClipBackend<T> | undefined;
    beforeAll(async () => {
      backend = await options.create();
    }, options.timeout ?? 120_000);
    afterAll(async () => {
      await backend?.dispose();
    });
    for (const testCase of cases) {
      it(
        testCase.id,
        async (context) => {
          if (backend === undefined) throw new Error('the backend did not start');
          const outcome = await checkCase(backend, testCase);
          switch (outcome.status) {
            case 'pass':
              return;
            case 'skip':
              context.skip(outcome.reason);
              return;
            case 'expected-failure':
              context.annotate(`expected failure: ${outcome.reason}`);
              return;
            case 'unexpected-pass':
              throw new Error(
                `${testCase.id} passed, but the manifest lists it as an expected failure (${outcome.reason}); remove that entry`,
              );
            case 'fail':
              throw new Error(
                `${testCase.id}: ${testCase.description}\n${outcome.failures.map((f) => `  [${f.kind}] ${f.detail}`).join('\n')}`,
              );
          }
        },
        options.timeout ?? 120_000,
      );
    }
    for (const testCase of options.sequenceCases ?? sequenceCases) {
      it(
        `${testCase.id} (${testCase.steps.length} step${testCase.steps.length === 1 ? '' : 's'})`,
        async (context) => {
          if (backend === undefined) throw new Error('the backend did not start');
          const outcome = await checkSequenceCase(backend, testCase);
          if (outcome.status === 'skip') context.skip(outcome.reason);
          else if (outcome.status === 'expected-failure')
            context.annotate(`expected failure: ${outcome.reason}`);
          else if (outcome.status === 'unexpected-pass') {
            throw new Error(
              `${testCase.id} passed, but the manifest lists it as an expected failure (${outcome.reason}); remove that entry`,
            );
          } else if (outcome.status === 'fail') {
            throw new Error(
              `${testCase.id}: ${testCase.description}\n${outcome.failures.map((f) => `  [${f.kind}] ${f.detail}`).join('\n')}`,
            );
          }
        },
        options.timeout ?? 120_000,
      );
    }
    const overlap = options.concurrency ?? 32;
    if (overlap > 0) {
      it(
        `concurrency: ${overlap} overlapping calls give the bits of the same calls run alone`,
        async () => {
          if (backend === undefined) throw new Error('the backend did not start');
          const outcome = await checkConcurrency(backend, { cases, overlap });
          if (!outcome.passed) throw new Error(outcome.failures.slice(0, 10).join('\n'));
        },
        options.timeout ?? 120_000,
      );
    }
  });
}
