/**
 * @gradclip/browser-tests (private): the browser backends in headless Chromium — the session that
 * bundles and serves the pages, the targets, and the case runner the playground's parity rows use.
 */
export { type BrowserSession, type BrowserSessionOptions, openBrowserSession } from './browser-session.js';
export { BROWSER_TARGETS, type BrowserTarget, type PageName } from './browser-targets.js';
export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from './chromium.js';
export { float32FromBase64, float32ToBase64 } from './float32-base64.js';
export type { PageConformanceResult } from './pages/expose-targets.js';
export type { EncodedTensor, PageCase, PageCaseResult, PageCasesRun } from './pages/run-cases.js';
export { type StaticServer, startStaticServer } from './static-server.js';
