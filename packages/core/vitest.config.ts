import { gradclipProject } from '../../vitest.shared.js';

export default gradclipProject('@gradclip/core', { test: { testTimeout: 60_000 } });
