import { gradclipProject } from '../vitest.shared.js';

export default gradclipProject('@gradclip/docs', {
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // The samples and the browser share two cores with everything else: one file at a time.
    fileParallelism: false,
  },
});
