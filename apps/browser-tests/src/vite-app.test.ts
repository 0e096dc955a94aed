/**
 * A fresh vite app (fixtures/vite-app: index.html and main.js, no vite config) that imports every
 * browser-capable backend is built with vite's defaults against what the packages ship (their
 * dist, through the `browser` conditions), then loaded in headless Chromium, where each backend
 * must clip the seed example to the oracle's bits. Vite must not externalize a Node built-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build, createLogger } from 'vite';
import { afterAll, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { type StaticServer, startStaticServer } from './static-server.js';

const app = fileURLToPath(new URL('../fixtures/vite-app/', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'gradclip-vite-app-'));
let browser: Browser | undefined;
let server: StaticServer | undefined;
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** The oracle's bits for global-norm 1 on [0.9, 100] (the seed example). */
const EXPECTED = [0.00899963453412056, 0.9999594688415527];

it('a fresh vite app imports every browser backend, builds with no configuration and clips in Chromium', async () => {
  const warnings: string[] = [];
  const logger = createLogger('warn');
  const warn = logger.warn;
  logger.warn = (message, options) => {
    warnings.push(message);
    warn(message, options);
  };
  // configFile: false — the app has no vite config; only where to write is said here.
  await build({ root: app, configFile: false, customLogger: logger, build: { outDir, emptyOutDir: true } });
  expect(warnings.filter((message) => /externalized for browser|node:/.test(message))).toEqual([]);

  server = await startStaticServer({ root: outDir, crossOriginIsolated: false });
  browser = await launchChromium();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.results !== undefined, undefined, {
    timeout: 120_000,
  });
  const results = JSON.parse((await page.getAttribute('body', 'data-results')) ?? '{}');
  expect(errors).toEqual([]);
  const expected = { clipped: true, values: EXPECTED };
  expect(results).toEqual({
    'tfjs:cpu': expected,
    'tfjs:webgl': expected,
    'gpujs:webgl2': expected,
    'onnx:wasm': expected,
    wasm: expected,
  });
});
