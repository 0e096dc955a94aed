import { describeMode } from '../test/describe-mode-conformance.js';

describeMode('gpujs:headlessgl');
