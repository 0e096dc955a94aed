/**
 * The one vitest configuration every package and app extends: tests read workspace sources through
 * the `@gradclip/source` export condition (no build needed), live next to what they test
 * (`src/**\/*.test.ts`), and get timeouts sized for a two-core CI machine. A package passes only
 * what differs; an `include` it passes replaces the default.
 */
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

export function gradclipProject(name: string, overrides: ViteUserConfig = {}): ViteUserConfig {
  const include = overrides.test?.include ?? ['src/**/*.test.ts'];
  const merged = mergeConfig(
    defineConfig({
      resolve: { conditions: ['@gradclip/source'] },
      ssr: { resolve: { conditions: ['@gradclip/source'] } },
      test: { name, testTimeout: 300_000, hookTimeout: 120_000 },
    }),
    overrides,
  );
  return { ...merged, test: { ...merged.test, include } };
}
