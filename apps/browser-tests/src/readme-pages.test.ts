/**
 * Each backend README's "Browser" section: its page is bundled as a user would (esbuild, the
 * `browser` condition, no configuration) and must show what it says in headless Chromium; its
 * bundle size is measured and must stay within the stated budget and match the stated figure.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBundle } from './bundle-size.js';
import { launchChromium } from './chromium.js';
import { SOURCE_CONDITIONS } from './page-bundle.js';
import { readmePage, statedBundleSize } from './readme-pages.js';
import { type StaticServer, startStaticServer } from './static-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readmeOf = (name: string) => join(root, '..', '..', 'packages', name, 'README.md');
const BACKENDS = ['backend-tfjs', 'backend-gpujs', 'backend-onnx', 'backend-wasm'] as const;

const outdir = mkdtempSync(join(tmpdir(), 'gradclip-readme-pages-'));
let browser: Browser;
let server: StaticServer;
beforeAll(async () => {
  // onnxruntime-web fetches its .wasm next to the module that loads it: the bundle.
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  for (const file of readdirSync(ortDist).filter((name) => name.endsWith('.wasm'))) {
    copyFileSync(join(ortDist, file), join(outdir, file));
  }
  server = await startStaticServer({ root: outdir, crossOriginIsolated: false });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outdir, { recursive: true, force: true });
});

describe('README "Browser" sections', () => {
  for (const name of BACKENDS) {
    it(`${name}: the page example shows what it says in headless Chromium`, async () => {
      const page = readmePage(readmeOf(name));
      mkdirSync(outdir, { recursive: true });
      await build({
        stdin: { contents: page.script, resolveDir: root, loader: 'js', sourcefile: `${name}-README.html` },
        outfile: join(outdir, `${name}.js`),
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        conditions: [...SOURCE_CONDITIONS],
        logLevel: 'error',
      });
      const html = page.html.replace(
        /<script type="module">[\s\S]*?<\/script>/,
        `<script type="module" src="./${name}.js"></script>`,
      );
      writeFileSync(join(outdir, `${name}.html`), html);
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (error) => errors.push(error.message));
      try {
        await tab.goto(`${server.url}${name}.html`);
        await tab.waitForFunction(() => (document.body.textContent ?? '').trim().length > 0, undefined, {
          timeout: 60_000,
        });
        expect(errors).toEqual([]);
        expect((await tab.textContent('body'))?.trim()).toBe(page.shows);
      } finally {
        await tab.close();
      }
    });

    it(`${name}: the bundle size in the README is measured, and within its budget`, async () => {
      const stated = statedBundleSize(readmeOf(name));
      const measured = await measureBundle(`@gradclip/${name}`, root);
      const message = `measured ${(measured.gzip / 1000).toFixed(1)} kB gzip (${(measured.minified / 1000).toFixed(1)} kB minified)`;
      expect(measured.gzip, message).toBeLessThanOrEqual(stated.budget);
      // The README's figure stays true: within 10% of what a bundler makes today.
      expect(Math.abs(measured.gzip - stated.gzip) / measured.gzip, message).toBeLessThan(0.1);
      expect(Math.abs(measured.minified - stated.minified) / measured.minified, message).toBeLessThan(0.1);
    });
  }
});
