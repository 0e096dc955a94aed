import { describeConformance } from '@gradclip/core/conformance/vitest';
import { createOnnxBackend } from './index.js';

describeConformance({ label: 'onnx (onnxruntime-node, CPU)', create: () => createOnnxBackend() });
