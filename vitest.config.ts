/**
 * Every package's tests from the root (`pnpm exec vitest run --project @gradclip/core`, or all of
 * them); `pnpm test` runs them per package through turbo. Each project's own config extends
 * `vitest.shared.ts`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { projects: ['packages/*', 'apps/*', 'docs'] },
});
