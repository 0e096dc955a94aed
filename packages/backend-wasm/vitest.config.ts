import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@gradclip/source'] },
  ssr: { resolve: { conditions: ['@gradclip/source'] } },
  test: {
    name: '@gradclip/backend-wasm',
    include: ['src/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
