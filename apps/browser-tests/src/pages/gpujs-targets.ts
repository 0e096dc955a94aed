/** gpu.js in the page: its browser modes cpu, webgl and webgl2 (SwiftShader when there is no GPU). */
import { createGpujsBackend, type GpujsMode } from '@gradclip/backend-gpujs';
import type { TargetFactory } from './expose-targets.js';

const on =
  (mode: GpujsMode): TargetFactory =>
  async () =>
    (await createGpujsBackend({ mode })) as unknown as Awaited<ReturnType<TargetFactory>>;

export const gpujsTargets: Readonly<Record<string, TargetFactory>> = {
  'gpujs:cpu': on('cpu'),
  'gpujs:webgl': on('webgl'),
  'gpujs:webgl2': on('webgl2'),
};
