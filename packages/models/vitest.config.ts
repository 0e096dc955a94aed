import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@gradclip/source'] },
  ssr: { resolve: { conditions: ['@gradclip/source'] } },
  test: {
    name: '@gradclip/models',
    include: ['src/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
