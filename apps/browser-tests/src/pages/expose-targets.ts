/**
 * Browser side of the runner: a page registers its backends by label, and the Node side calls
 * `globalThis.gradclip.conformance(label)` through Playwright. Nothing runs until it is called;
 * each run gets a fresh page (engines such as TF.js keep global state).
 */
import type { ClipBackend } from '@gradclip/core';
import {
  boundaryCases,
  type ConcurrencyOutcome,
  type ConformanceRun,
  checkConcurrency,
  conformanceCases,
  runConformance,
  type SequenceCase,
  sequenceCases,
} from '@gradclip/core/conformance';
import { createReferenceBackend } from '@gradclip/core/reference';
import { type PageCase, type PageCasesRun, runCases } from './run-cases.js';

export type TargetFactory = () => Promise<ClipBackend<unknown>>;

const sequenceIds = new Set(sequenceCases.map((testCase) => testCase.id));

/** What the Node side gets back from one conformance run in the page (JSON-safe). */
export interface PageConformanceResult {
  readonly label: string;
  readonly backend: ConformanceRun['backend'];
  readonly manifestMaxUlp: number;
  readonly counts: ConformanceRun['counts'];
  readonly passed: boolean;
  /** Largest ULP distance over every case (0: bit-identical on the whole kit). */
  readonly maxUlp: number;
  /** Every case that did not pass outright, with what the kit found. */
  readonly notPassed: readonly { caseId: string; status: string; maxUlp: number; details: string[] }[];
  /** Every case whose outputs were not bit-identical, with its ULP distance. */
  readonly ulpByCase: Readonly<Record<string, number>>;
  /** Largest ULP distance over the cases that passed (0: those are bit-identical). */
  readonly maxUlpOfPassed: number;
  readonly crossOriginIsolated: boolean;
  /** Sequence cases (stateful kinds, agc) that ran rather than being skipped for a capability. */
  readonly sequenceCases: number;
  readonly durationMs: number;
  /** The slowest cases, for keeping the test budget. */
  readonly slowest: readonly { caseId: string; ms: number }[];
}

export interface PageApi {
  readonly labels: readonly string[];
  conformance(label: string, caseIds?: readonly string[]): Promise<PageConformanceResult>;
  /** The kit's concurrency check: overlapping clip calls on one backend give the bits of each alone. */
  concurrency(label: string): Promise<ConcurrencyOutcome>;
  /**
   * Runs cases through one backend (the parity rows; the caller compares them with the oracle), then
   * judges the sequence cases in the page.
   */
  cases(
    label: string,
    cases: readonly PageCase[],
    sequences?: readonly SequenceCase[],
  ): Promise<PageCasesRun>;
}

declare global {
  // The page's API lives on globalThis, where page.evaluate finds it.
  var gradclip: PageApi | undefined;
}

function factoryOf(targets: Readonly<Record<string, TargetFactory>>, label: string): TargetFactory {
  const create = targets[label];
  if (create === undefined) {
    throw new Error(`no target "${label}" on this page; it has ${Object.keys(targets).join(', ')}`);
  }
  return create;
}

/** Registers the page's targets (and the oracle, `reference`, as the page's own baseline). */
export function exposeTargets(pageTargets: Readonly<Record<string, TargetFactory>>): void {
  const targets: Readonly<Record<string, TargetFactory>> = {
    reference: async () => createReferenceBackend() as ClipBackend<unknown>,
    ...pageTargets,
  };
  globalThis.gradclip = {
    labels: Object.keys(targets),
    async conformance(label, caseIds) {
      const started = performance.now();
      // The kit (its sequence cases always: the stateful kinds and agc) and the rounding-boundary cases.
      const pool = [...conformanceCases, ...boundaryCases()];
      const cases = caseIds === undefined ? pool : pool.filter((c) => caseIds.includes(c.id));
      let manifestMaxUlp = 0;
      const create = factoryOf(targets, label);
      const run = await runConformance({
        create: async () => {
          const backend = await create();
          manifestMaxUlp = backend.manifest.maxUlp;
          return backend;
        },
        cases,
        sequenceCases,
      });
      const notPassed = run.outcomes
        .filter((outcome) => outcome.status !== 'pass')
        .map((outcome) => ({
          caseId: outcome.caseId,
          status: outcome.status,
          maxUlp: outcome.measuredUlp,
          details: [
            ...(outcome.reason === undefined ? [] : [outcome.reason]),
            ...outcome.failures.map((failure) => `${failure.kind}: ${failure.detail}`),
          ],
        }));
      return {
        label,
        backend: run.backend,
        manifestMaxUlp,
        counts: run.counts,
        passed: run.passed,
        maxUlp: Math.max(0, ...run.outcomes.map((outcome) => outcome.measuredUlp)),
        notPassed,
        ulpByCase: Object.fromEntries(
          run.outcomes
            .filter((outcome) => outcome.measuredUlp > 0)
            .map((outcome) => [outcome.caseId, outcome.measuredUlp]),
        ),
        maxUlpOfPassed: Math.max(
          0,
          ...run.outcomes
            .filter((outcome) => outcome.status === 'pass')
            .map((outcome) => outcome.measuredUlp),
        ),
        crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
        sequenceCases: run.outcomes.filter(
          (outcome) => sequenceIds.has(outcome.caseId) && outcome.status !== 'skip',
        ).length,
        durationMs: performance.now() - started,
        slowest: [...run.outcomes]
          .sort((a, b) => b.durationMs - a.durationMs)
          .slice(0, 5)
          .map((outcome) => ({ caseId: outcome.caseId, ms: Math.round(outcome.durationMs) })),
      };
    },
    async concurrency(label) {
      const backend = await factoryOf(targets, label)();
      try {
        return await checkConcurrency(backend, { cases: [...conformanceCases, ...boundaryCases()] });
      } finally {
        await backend.dispose();
      }
    },
    cases: (label, cases, sequences) => runCases(factoryOf(targets, label), cases, sequences),
  };
}
