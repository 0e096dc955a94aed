/**
 * The parity matrix's browser rows (`tfjs:webgl@chromium`, …): every browser backend of
 * @gradclip/browser-tests runs the parity cases in headless Chromium, each in a fresh page; the
 * outputs come back bit for bit and are judged here against the oracle exactly as runParity judges
 * the Node backends (the same compare, the same manifest-declared differences).
 */
import {
  BROWSER_TARGETS,
  type BrowserSession,
  type BrowserTarget,
  float32FromBase64,
  float32ToBase64,
  openBrowserSession,
  type PageCase,
  type PageCasesRun,
} from '@gradclip/browser-tests';
import type { NamedHostTensor } from '@gradclip/core';
import type { SequenceCase } from '@gradclip/core/conformance';
import { createReferenceBackend } from '@gradclip/core/reference';
import {
  type Called,
  callBackend,
  compare,
  comparedResult,
  type ParityResult,
  type ParityRun,
  sequenceResult,
  skippedResult,
  unavailableEntry,
  uncountedSummary,
} from './parity.js';
import type { ParityCase } from './parity-case.js';

/** Cases larger than this many elements are not sent through the page protocol (reported as skipped). */
export const BROWSER_ELEMENT_LIMIT = 1 << 20;

export interface BrowserParityOptions {
  readonly cases: readonly ParityCase[];
  /** The run's sequence cases: judged in the page by the kit's `checkSequenceCase`. */
  readonly sequenceCases?: readonly SequenceCase[];
  /** Default: every browser target. */
  readonly targets?: readonly BrowserTarget[];
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

function unavailable(target: BrowserTarget, reason: string, cases: number): ParityRun {
  return { backends: [unavailableEntry(target, reason)], results: [], summary: uncountedSummary(cases) };
}

const elementsOf = (testCase: ParityCase) =>
  [...testCase.input, ...(testCase.parameters ?? [])].reduce((sum, tensor) => sum + tensor.values.length, 0);

/** Runs the browser rows; merge the runs with the Node ones (`mergeParityRuns`). */
export async function runBrowserParity(options: BrowserParityOptions): Promise<ParityRun[]> {
  const targets = options.targets ?? BROWSER_TARGETS;
  const sequences = options.sequenceCases ?? [];
  const caseCount = options.cases.length + sequences.length;
  const sendable = options.cases.filter((testCase) => elementsOf(testCase) <= BROWSER_ELEMENT_LIMIT);
  const encode = (tensors: readonly NamedHostTensor[]) =>
    tensors.map((tensor) => ({
      name: tensor.name,
      shape: [...tensor.shape],
      base64: float32ToBase64(tensor.values),
    }));
  const encoded: PageCase[] = sendable.map((testCase) => ({
    id: testCase.id,
    spec: testCase.spec,
    input: encode(testCase.input),
    ...(testCase.parameters === undefined ? {} : { parameters: encode(testCase.parameters) }),
  }));
  let session: BrowserSession;
  try {
    session = await openBrowserSession({ pages: [...new Set(targets.map((target) => target.page))] });
  } catch (error) {
    const reason = `headless Chromium could not start: ${(error as Error).message}`;
    return targets.map((target) => unavailable(target, reason, caseCount));
  }
  const oracleBackend = createReferenceBackend();
  const oracles = new Map<string, Called>();
  const runs: ParityRun[] = [];
  try {
    for (const [index, target] of targets.entries()) {
      options.onProgress?.(index, targets.length, `${target.id} (headless Chromium)`);
      let run: PageCasesRun;
      try {
        run = await session.cases(target, encoded, sequences);
      } catch (error) {
        runs.push(unavailable(target, (error as Error).message, caseCount));
        continue;
      }
      const byId = new Map(run.results.map((result) => [result.caseId, result]));
      const results: ParityResult[] = [];
      for (const testCase of options.cases) {
        const missing = (testCase.requires ?? []).filter(
          (capability) => !run.manifest.capabilities.includes(capability),
        );
        const pageResult = byId.get(testCase.id);
        if (missing.length > 0) {
          results.push(
            skippedResult(testCase.id, target.id, `the manifest does not declare ${missing.join(', ')}`),
          );
          continue;
        }
        if (pageResult === undefined) {
          results.push(
            skippedResult(
              testCase.id,
              target.id,
              `more than ${BROWSER_ELEMENT_LIMIT} elements: not sent to the page (the browser conformance test runs the kit's large cases)`,
            ),
          );
          continue;
        }
        let oracle = oracles.get(testCase.id);
        if (oracle === undefined) {
          oracle = await callBackend(oracleBackend, testCase);
          oracles.set(testCase.id, oracle);
        }
        const actual: Called = {
          outputs:
            pageResult.outputs?.map((output) => ({
              name: output.name,
              shape: [...output.shape],
              values: float32FromBase64(output.base64),
            })) ?? null,
          report: pageResult.report,
          error: pageResult.error,
          durationMs: pageResult.durationMs,
        };
        const verdict = compare(oracle, actual, run.manifest.maxUlp);
        results.push(comparedResult(testCase.id, target.id, run.manifest, verdict, actual));
      }
      sequences.forEach((testCase, k) => {
        const outcome = run.sequenceOutcomes[k];
        results.push(
          outcome === undefined
            ? skippedResult(testCase.id, target.id, 'the page returned no outcome for it')
            : sequenceResult(outcome, target.id, testCase.steps.length),
        );
      });
      runs.push({
        backends: [
          {
            id: target.id,
            name: `${run.backend.name} in headless Chromium`,
            mode: target.mode,
            version: run.backend.version,
            available: true,
            reason: null,
            maxUlpAllowed: run.manifest.maxUlp,
          },
        ],
        results,
        summary: { ...uncountedSummary(caseCount), backends: 1 },
      });
    }
  } finally {
    await session.close();
  }
  return runs;
}
