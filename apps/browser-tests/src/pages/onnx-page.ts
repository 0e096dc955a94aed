import { exposeTargets } from './expose-targets.js';
import { onnxTargets } from './onnx-targets.js';

exposeTargets(onnxTargets);
