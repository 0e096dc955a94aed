import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@gradclip/source'] },
  ssr: { resolve: { conditions: ['@gradclip/source'] } },
  test: {
    name: '@gradclip/pack-check',
    include: ['src/**/*.test.ts'],
    // Packing, one npm install and the samples of six READMEs (the kit's sample runs every case).
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
