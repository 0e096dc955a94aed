import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@gradclip/source'] },
  ssr: { resolve: { conditions: ['@gradclip/source'] } },
  test: {
    name: '@gradclip/core',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
