import { gradclipProject } from '../../vitest.shared.js';

export default gradclipProject('@gradclip/backend-onnx');
