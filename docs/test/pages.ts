/** The site's Markdown pages (the generated API reference and changelog excluded). */
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const docsRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const SKIP = new Set(['node_modules', 'api', 'test', 'scripts', 'reports', '.vitepress']);

export function pageFiles(directory = docsRoot): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...pageFiles(path));
    else if (entry.name.endsWith('.md') && entry.name !== 'changelog.md' && entry.name !== 'README.md')
      files.push(path);
  }
  return files.sort();
}

export function pageName(file: string): string {
  return relative(docsRoot, file);
}
