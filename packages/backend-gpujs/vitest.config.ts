import { gradclipProject } from '../../vitest.shared.js';

export default gradclipProject('@gradclip/backend-gpujs', {
  test: {
    // headlessgl needs an X display: Xvfb is started here unless DISPLAY is set.
    globalSetup: ['test/xvfb-global-setup.ts'],
  },
});
