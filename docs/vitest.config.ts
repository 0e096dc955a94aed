import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@gradclip/source'] },
  ssr: { resolve: { conditions: ['@gradclip/source'] } },
  test: {
    name: '@gradclip/docs',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // The samples and the browser share two cores with everything else: one file at a time.
    fileParallelism: false,
  },
});
