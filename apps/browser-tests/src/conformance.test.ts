/**
 * The conformance kit in headless Chromium, on every browser backend and mode: bit-identical to
 * the oracle, or only the differences the backend's manifest declares (measured at start, with the
 * reason). One Chromium for the file; each target gets a fresh page.
 */
import { boundaryCases, conformanceCases, sequenceCases } from '@gradclip/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, openBrowserSession } from './browser-session.js';
import { BROWSER_TARGETS, type BrowserTarget, type PageName } from './browser-targets.js';

const LARGE = new Set(conformanceCases.filter((c) => c.requires?.includes('largeTensors')).map((c) => c.id));
const KIT_IDS = new Set([...conformanceCases, ...sequenceCases].map((c) => c.id));
const BOUNDARY_IDS = boundaryCases().map((c) => c.id);
const SMALL_CASE_IDS = conformanceCases.filter((c) => !LARGE.has(c.id)).map((c) => c.id);

/** The oracle on the tfjs page: the baseline every page registers. */
const ORACLE: BrowserTarget = {
  id: 'reference@chromium',
  page: 'tfjs',
  label: 'reference',
  isolated: false,
  mode: 'float64 oracle',
  largeCases: false,
};

let session: BrowserSession;
beforeAll(async () => {
  const pages = [...new Set(BROWSER_TARGETS.map((target) => target.page))] as PageName[];
  session = await openBrowserSession({ pages });
});
afterAll(() => session?.close());

describe('the conformance kit in headless Chromium', () => {
  it('the oracle itself is bit-identical in the page (same V8 arithmetic as Node)', async () => {
    const result = await session.conformance(ORACLE, SMALL_CASE_IDS);
    expect(result.counts.fail).toBe(0);
    expect(result.maxUlp).toBe(0);
  });

  for (const target of BROWSER_TARGETS) {
    it(`${target.id}: every case passes; every passing case is bit-identical`, async () => {
      const result = await session.conformance(
        target,
        target.largeCases ? undefined : [...SMALL_CASE_IDS, ...BOUNDARY_IDS],
      );
      const problems = result.notPassed.filter(
        (outcome) => outcome.status === 'fail' || outcome.status === 'unexpected-pass',
      );
      expect(problems, JSON.stringify(problems, null, 2)).toEqual([]);
      // onnx reports its graphs' id (onnx:cpu) whatever engine runs them.
      expect(result.backend.id.split(':')[0]).toBe(target.label.split(':')[0]);
      expect(result.crossOriginIsolated).toBe(target.isolated);
      expect(result.counts.pass).toBeGreaterThan(140);
      // The stateful kinds and agc too: every sequence case ran (passed, or a declared difference).
      expect(result.sequenceCases).toBe(sequenceCases.length);
      // backend-wasm runs Web Workers only where the page is cross-origin isolated.
      if (target.page === 'wasm')
        expect(result.backend.name).toMatch(target.isolated ? /2 threads/ : /1 thread\)/);
      // Whatever the manifest allows, every case that passes is bit for bit the oracle's; the
      // differences are the declared ones (expected failures, with their measured reason).
      expect(result.maxUlpOfPassed).toBe(0);
      expect(Object.keys(result.ulpByCase).every((id) => KIT_IDS.has(id) || id.startsWith('boundary/'))).toBe(
        true,
      );
    });
  }
});

describe('the concurrency check in headless Chromium', () => {
  for (const target of BROWSER_TARGETS) {
    it(`${target.id}: overlapping clip calls give the bits of each call alone`, async () => {
      const outcome = await session.concurrency(target);
      expect(outcome.failures).toEqual([]);
      expect(outcome.calls).toBeGreaterThan(0);
    });
  }
});
