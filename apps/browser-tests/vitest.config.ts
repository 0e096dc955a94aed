import { gradclipProject } from '../../vitest.shared.js';

export default gradclipProject('@gradclip/browser-tests', {
  test: {
    // One Chromium at a time: CI has two cores and the other packages' tests run beside these.
    fileParallelism: false,
  },
});
