import { describeHardening } from '@gradclip/core/hardening/vitest';
import { createOnnxBackend } from './index.js';

// Bad specs, bad gradients and random valid clips: a typed ClipError or the oracle's answer.
describeHardening({ label: 'onnx', numRuns: 100, create: () => createOnnxBackend() });
