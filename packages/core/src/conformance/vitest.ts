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
import { afterAll, beforeAll, describe, it, type TestContext } from 'vitest';
import type { ClipBackend } from '../backend.js';
import { boundaryCases } from './boundary-cases.js';
import type { ConformanceCase } from './case-format.js';
import { conformanceCases } from './cases.js';
import { type CaseOutcome, checkCase } from './check-case.js';
import { checkSequenceCase } from './check-sequence-case.js';
import { checkConcurrency } from './concurrency.js';
import type { SequenceCase } from './sequence-case-format.js';
import { sequenceCases } from './sequence-cases.js';

export interface DescribeConformanceOptions<T> {
  /** Name of the describe block. Default: "conformance". */
  readonly label?: string;
  /**
   * Async factory of the backend under test: called once for the block and disposed after it, or
   * once per test with `freshBackend`.
   */
  readonly create: () => Promise<ClipBackend<T>>;
  /**
   * A new backend for every test, disposed after it, so that state one case leaves behind (a
   * cache, a pool, a counter) can neither hide a failure nor cause one in another case. For
   * backends that start cheaply; the default (false) shares one backend across the block.
   */
  readonly freshBackend?: boolean;
  /** Default: every case of the kit, then its generated rounding-boundary cases (`boundaryCases()`). */
  readonly cases?: readonly ConformanceCase[];
  /** Multi-step cases for the stateful kinds and agc, each on one clipper. Default: the kit's `sequenceCases`. */
  readonly sequenceCases?: readonly SequenceCase[];
  /** Overlapping calls for the concurrency check (0 skips it). Default 32. */
  readonly concurrency?: number;
  /** Per-case timeout in ms. Default 120 000 (the kit has tensors past 2^24 elements). */
  readonly timeout?: number;
}

/** Passes, skips or annotates the test from a case's outcome; throws for a failure or an unexpected pass. */
function settle(
  outcome: CaseOutcome,
  testCase: { readonly id: string; readonly description: string },
  context: TestContext,
): void {
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
}

export function describeConformance<T>(options: DescribeConformanceOptions<T>): void {
  const cases = options.cases ?? [...conformanceCases, ...boundaryCases()];
  const timeout = options.timeout ?? 120_000;
  describe(options.label ?? 'conformance', () => {
    let shared: ClipBackend<T> | undefined;
    if (options.freshBackend !== true) {
      beforeAll(async () => {
        shared = await options.create();
      }, timeout);
      afterAll(async () => {
        await shared?.dispose();
      });
    }
    /** Runs `test` on the block's backend, or on a new one that is disposed after it. */
    async function withBackend<R>(test: (backend: ClipBackend<T>) => Promise<R>): Promise<R> {
      if (options.freshBackend !== true) {
        if (shared === undefined) throw new Error('the backend did not start');
        return test(shared);
      }
      const backend = await options.create();
      try {
        return await test(backend);
      } finally {
        await backend.dispose();
      }
    }
    for (const testCase of cases) {
      it(
        testCase.id,
        async (context) =>
          settle(await withBackend((backend) => checkCase(backend, testCase)), testCase, context),
        timeout,
      );
    }
    for (const testCase of options.sequenceCases ?? sequenceCases) {
      it(
        `${testCase.id} (${testCase.steps.length} step${testCase.steps.length === 1 ? '' : 's'})`,
        async (context) =>
          settle(await withBackend((backend) => checkSequenceCase(backend, testCase)), testCase, context),
        timeout,
      );
    }
    const overlap = options.concurrency ?? 32;
    if (overlap > 0) {
      it(
        `concurrency: ${overlap} overlapping calls give the bits of the same calls run alone`,
        async () => {
          const outcome = await withBackend((backend) => checkConcurrency(backend, { cases, overlap }));
          if (!outcome.passed) throw new Error(outcome.failures.slice(0, 10).join('\n'));
        },
        timeout,
      );
    }
  });
}
