/**
 * The built site in real Chromium (Debian's /usr/bin/chromium through playwright-core): every page
 * loads without a console error, every internal link of every built page resolves, and the live
 * pages finish with 0 differences; their screenshots are written to docs/reports/.
 * Needs `node scripts/build.mjs` first (the package's `test` script does it).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsRoot } from './pages.js';

const dist = join(docsRoot, '.vitepress', 'dist');
const reports = join(docsRoot, 'reports');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

function htmlFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return htmlFiles(path);
    return entry.name.endsWith('.html') ? [path] : [];
  });
}

/** The file a site path is served from: `/a/` → a/index.html, `/a` → a.html (VitePress's rules). */
function fileOf(pathname: string): string | null {
  const clean = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  for (const candidate of [clean, `${clean}.html`, join(clean, 'index.html')]) {
    const file = join(dist, candidate);
    if (file.startsWith(dist) && existsSync(file) && statSync(file).isFile()) return file;
  }
  return null;
}

let server: Server;
let browser: Browser;
let origin = '';

beforeAll(async () => {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('build the site first: node scripts/build.mjs');
  mkdirSync(reports, { recursive: true });
  server = createServer((request, response) => {
    const file = fileOf(new URL(request.url ?? '/', 'http://x').pathname);
    if (file === null) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

const pages = existsSync(dist)
  ? htmlFiles(dist)
      .map((file) => `/${relative(dist, file)}`)
      .filter((path) => path !== '/404.html')
  : [];
// Guides, concepts and live pages in the browser; the generated API pages by their link check and
// one index page each.
const browsed = pages.filter((path) => !path.startsWith('/api/') || path.endsWith('/index.html'));

describe('the built site', () => {
  it('has the pages', () => {
    expect(pages.length).toBeGreaterThan(40);
  });

  it("the changelog shows each changeset's bumps, never its front matter", () => {
    const changelog = readFileSync(join(docsRoot, 'changelog.md'), 'utf8');
    expect(changelog.split('\n').filter((line) => line.trim() === '---')).toEqual([]);
    expect(changelog).toContain('no package bump');
  });

  it('every internal link of every page resolves', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const html = readFileSync(join(dist, page), 'utf8');
      for (const [, href] of html.matchAll(/<a [^>]*href="([^"]+)"/g)) {
        if (href === undefined || /^(https?:|mailto:|#)/.test(href)) continue;
        const url = new URL(href, `http://x${page}`);
        if (fileOf(url.pathname) === null) broken.push(`${page} → ${href}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every guide, concept, live and API index page loads without a console error', async () => {
    const problems: string[] = [];
    const context = await browser.newContext();
    const page = await context.newPage();
    let current = '';
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${current}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${current}: ${error.message}`));
    page.on('requestfailed', (request) => {
      // Prefetches cut short by the next navigation are not failures.
      if (request.failure()?.errorText !== 'net::ERR_ABORTED')
        problems.push(`${current}: failed ${request.url()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${current}: ${response.status()} ${response.url()}`);
    });
    for (const path of browsed.filter((p) => !p.startsWith('/live/'))) {
      current = path;
      await page.goto(origin + path, { waitUntil: 'load' });
      expect(await page.locator('h1').count(), `${path} has a title`).toBeGreaterThan(0);
    }
    await context.close();
    expect(problems).toEqual([]);
  });

  for (const live of ['parity', 'playground', 'training']) {
    it(`the live ${live} page finishes with 0 differences`, async () => {
      const problems: string[] = [];
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${origin}/live/${live}.html`, { waitUntil: 'load' });
      const root = page.locator('.live[data-state="done"]');
      await root.waitFor({ timeout: 240_000 });
      const differences = await root.getAttribute('data-differences');
      await page.screenshot({ path: join(reports, `live-${live}.png`), fullPage: true });
      await page.close();
      expect(problems).toEqual([]);
      expect(differences).toBe('0');
    }, 300_000);
  }
});
