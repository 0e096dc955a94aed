import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, no type declarations.
import { assembleKernels, binaryModuleSource, unsharedSource } from '../../scripts/build-wasm.mjs';

describe('kernel-binary.ts', () => {
  it('is the assembly of kernels.wat (run `pnpm build:wasm` after editing the .wat)', async () => {
    const source = await readFile(new URL('./kernels.wat', import.meta.url), 'utf8');
    const committed = await readFile(new URL('./kernel-binary.ts', import.meta.url), 'utf8');
    const bytes: Uint8Array = await assembleKernels(source);
    const unshared: Uint8Array = await assembleKernels(unsharedSource(source));
    expect(committed).toBe(binaryModuleSource(bytes, unshared));
  });
});
