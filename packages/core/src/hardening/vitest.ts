/**
 * The hardening suite for vitest users: one call in a backend's test file.
 *
 * ```ts
 * import { describeHardening } from '@gradclip/core/hardening/vitest';
 * describeHardening({ label: 'my backend', create: () => createMyBackend() });
 * ```
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ClipBackend } from '../backend.js';
import type { MaybePromise } from '../kernel-steps.js';
import { type HardeningSettings, hardeningProperties } from './run-hardening.js';

export interface DescribeHardeningOptions<T> extends HardeningSettings {
  /** Name of the describe block. Default: "hardening". */
  readonly label?: string;
  /** Factory of the backend under test, called once for the block and disposed after it. */
  readonly create: () => MaybePromise<ClipBackend<T>>;
  /** Per-property timeout in ms. Default 60 000. */
  readonly timeout?: number;
}

export function describeHardening<T>(options: DescribeHardeningOptions<T>): void {
  describe(options.label ?? 'hardening', () => {
    let backend: ClipBackend<T> | undefined;
    beforeAll(async () => {
      backend = await options.create();
    }, options.timeout ?? 60_000);
    afterAll(async () => {
      await backend?.dispose();
    });
    for (const property of hardeningProperties) {
      it(
        property.name,
        async () => {
          if (backend === undefined) throw new Error('the backend did not start');
          await property.run(backend, options);
        },
        options.timeout ?? 60_000,
      );
    }
  });
}
