import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';

/** Export conditions for pages built from the workspace: sources first, then `browser` (esbuild adds it). */
export const SOURCE_CONDITIONS: readonly string[] = ['@gradclip/source'];

export interface BundlePagesOptions {
  /** Page entry modules (TypeScript); each becomes `<name>.js` and `<name>.html`. */
  readonly entries: Readonly<Record<string, string>>;
  readonly outdir: string;
  /** Resolve workspace packages to their sources (tests) or to what ships (`false`). Default true. */
  readonly fromSource?: boolean;
}

/** Bundles page entries for the browser with esbuild and writes a minimal html page for each. */
export async function bundlePages(options: BundlePagesOptions): Promise<void> {
  mkdirSync(options.outdir, { recursive: true });
  await build({
    entryPoints: { ...options.entries },
    outdir: options.outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: options.fromSource === false ? [] : [...SOURCE_CONDITIONS],
    splitting: true,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const name of Object.keys(options.entries)) {
    writeFileSync(
      join(options.outdir, `${name}.html`),
      `<!doctype html>\n<html><head><meta charset="utf-8"><title>${name}</title></head>\n<body><script type="module" src="./${name}.js"></script></body></html>\n`,
    );
  }
}

const require = createRequire(import.meta.url);

/** Copies the `.wasm` files an engine loads at run time into `<outdir>/assets/<name>/`. */
export function copyWasmAssets(
  outdir: string,
  name: string,
  packageFile: string,
  subdirectory: string,
): void {
  const from = join(dirname(require.resolve(packageFile)), subdirectory);
  const to = join(outdir, 'assets', name);
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) {
    if (file.endsWith('.wasm') || file.endsWith('.mjs'))
      copyFileSync(join(from, file), join(to, basename(file)));
  }
}
