import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConcurrencyOutcome, SequenceCase } from '@gradclip/core/conformance';
import type { Browser, Page } from 'playwright-core';
import { type BrowserTarget, type PageName, pageEntry } from './browser-targets.js';
import { launchChromium } from './chromium.js';
import { bundlePages, copyWasmAssets } from './page-bundle.js';
import type { PageApi, PageConformanceResult } from './pages/expose-targets.js';
import type { PageCase, PageCasesRun } from './pages/run-cases.js';
import { type StaticServer, startStaticServer } from './static-server.js';

export interface BrowserSessionOptions {
  readonly pages: readonly PageName[];
  /** Extra page entries (name → TypeScript module), e.g. the playground's parity page. */
  readonly extraEntries?: Readonly<Record<string, string>>;
}

export interface BrowserSession {
  /** Opens a fresh page (a fresh JS realm: TF.js and gpu.js keep global state) and waits for its API. */
  openPage(name: string, isolated: boolean): Promise<Page>;
  /** Runs the conformance kit on one target in a fresh page. */
  conformance(target: BrowserTarget, caseIds?: readonly string[]): Promise<PageConformanceResult>;
  /** The kit's concurrency check on one target in a fresh page. */
  concurrency(target: BrowserTarget): Promise<ConcurrencyOutcome>;
  /**
   * Runs cases through one target in a fresh page and returns its outputs (parity rows), then the
   * outcomes of the sequence cases, judged in the page.
   */
  cases(
    target: BrowserTarget,
    cases: readonly PageCase[],
    sequences?: readonly SequenceCase[],
  ): Promise<PageCasesRun>;
  close(): Promise<void>;
}

/** Bundles the pages, serves them on 127.0.0.1 (plain and cross-origin isolated) and starts Chromium. */
export async function openBrowserSession(options: BrowserSessionOptions): Promise<BrowserSession> {
  const outdir = mkdtempSync(join(tmpdir(), 'gradclip-browser-'));
  const servers: StaticServer[] = [];
  let browser: Browser | undefined;
  try {
    const entries: Record<string, string> = { ...options.extraEntries };
    for (const page of options.pages) entries[page] = pageEntry(page);
    await bundlePages({ entries, outdir });
    copyWasmAssets(outdir, 'tfjs-wasm', '@tensorflow/tfjs-backend-wasm/package.json', 'dist');
    copyWasmAssets(outdir, 'ort', 'onnxruntime-web', '.');
    servers.push(await startStaticServer({ root: outdir, crossOriginIsolated: false }));
    servers.push(await startStaticServer({ root: outdir, crossOriginIsolated: true }));
    browser = await launchChromium();
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
  const started = browser;
  const [plain, isolatedServer] = servers as [StaticServer, StaticServer];
  const openPage = async (name: string, isolated: boolean): Promise<Page> => {
    const page = await started.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${(isolated ? isolatedServer : plain).url}${name}.html`);
    try {
      await page.waitForFunction(() => globalThis.gradclip !== undefined, undefined, { timeout: 60_000 });
    } catch (error) {
      await page.close();
      throw new Error(`page ${name} did not start: ${errors.join('; ') || String(error)}`);
    }
    return page;
  };
  return {
    openPage,
    async conformance(target, caseIds) {
      const page = await openPage(target.page, target.isolated);
      try {
        return await page.evaluate(
          ([label, ids]) => (globalThis.gradclip as PageApi).conformance(label, ids ?? undefined),
          [target.label, caseIds ?? null] as const,
        );
      } finally {
        await page.close();
      }
    },
    async concurrency(target) {
      const page = await openPage(target.page, target.isolated);
      try {
        return await page.evaluate(
          (label) => (globalThis.gradclip as PageApi).concurrency(label),
          target.label,
        );
      } finally {
        await page.close();
      }
    },
    async cases(target, cases, sequences = []) {
      const page = await openPage(target.page, target.isolated);
      try {
        return await page.evaluate(
          ([label, list, sequenceList]) => (globalThis.gradclip as PageApi).cases(label, list, sequenceList),
          [target.label, cases, sequences] as const,
        );
      } finally {
        await page.close();
      }
    },
    async close() {
      await started.close();
      await Promise.all(servers.map((server) => server.close()));
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
