/**
 * Build step after tsc: tsc copies the conformance case JSON into dist/ re-indented (twice the
 * size of the reviewed files in src/). Rewrite every JSON file under dist/ without whitespace;
 * the package ships these once (src/**\/*.json is left out of `files`).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
  const path = join(entry.parentPath, entry.name);
  writeFileSync(path, JSON.stringify(JSON.parse(readFileSync(path, 'utf8'))));
}
