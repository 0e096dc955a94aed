import { gradclipProject } from '../../vitest.shared.js';

export default gradclipProject('@gradclip/pack-check', {
  test: {
    // Packing, one npm install and the samples of six READMEs (the kit's sample runs every case).
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
