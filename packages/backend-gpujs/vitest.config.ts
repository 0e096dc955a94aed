import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@gradclip/source'] },
  ssr: { resolve: { conditions: ['@gradclip/source'] } },
  test: {
    name: '@gradclip/backend-gpujs',
    include: ['src/**/*.test.ts'],
    // headlessgl needs an X display: Xvfb is started here unless DISPLAY is set.
    globalSetup: ['test/xvfb-global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
