// Builds the site: the API reference (TypeDoc + typedoc-plugin-markdown, from the packages' TSDoc)
// and the changelog page (from .changeset/*.md) are generated into ignored paths, then VitePress
// builds docs/.vitepress/dist. `node scripts/build.mjs --generate-only` stops before VitePress.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(docs, '..');
const bin = (name) => join(docs, 'node_modules', '.bin', name);
const packages = JSON.parse(readFileSync(join(docs, '.vitepress', 'api-packages.json'), 'utf8'));

function generateApi() {
  const out = join(docs, 'api');
  rmSync(out, { recursive: true, force: true });
  for (const entry of packages) {
    const dir = join(root, 'packages', entry.dir);
    execFileSync(
      bin('typedoc'),
      [
        ...entry.entryPoints.flatMap((file) => ['--entryPoints', join(dir, file)]),
        '--tsconfig',
        join(dir, 'tsconfig.json'),
        '--plugin',
        'typedoc-plugin-markdown',
        '--out',
        join(out, entry.dir),
        '--name',
        entry.name,
        '--readme',
        'none',
        '--entryFileName',
        'index',
        '--hidePageHeader',
        '--hideBreadcrumbs',
        '--excludePrivate',
        '--excludeInternal',
        '--skipErrorChecking',
        '--logLevel',
        'Warn',
        '--disableSources',
        '--basePath',
        dir,
      ],
      { stdio: 'inherit', cwd: docs },
    );
  }
  const list = packages.map((entry) => `- [\`${entry.name}\`](./${entry.dir}/)`).join('\n');
  writeFileSync(
    join(out, 'index.md'),
    `# API reference\n\nGenerated from the TSDoc comments of each package's sources at build time.\n\n${list}\n`,
  );
}

/** `.changeset/*.md` → one page: each pending change with the packages and bumps it declares. */
function generateChangelog() {
  const dir = join(root, '.changeset');
  const entries = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md')) {
    const text = readFileSync(join(dir, file), 'utf8');
    // The front matter may be empty (`---\n---`: a change that bumps no package).
    const match = /^---\n((?:[\s\S]*?\n)?)---\n?([\s\S]*)$/.exec(text);
    const bumps = match
      ? [...match[1].matchAll(/^["']?([^"':]+)["']?\s*:\s*(\w+)/gm)].map((m) => `\`${m[1]}\` ${m[2]}`)
      : [];
    const body = (match ? match[2] : text).trim();
    let date = '';
    try {
      date = execFileSync('git', ['log', '--diff-filter=A', '--format=%as', '-1', '--', join(dir, file)], {
        cwd: root,
        encoding: 'utf8',
      }).trim();
    } catch {
      // Not a git checkout: no dates.
    }
    entries.push({ file, bumps, body, date });
  }
  entries.sort((a, b) => (b.date || '9999').localeCompare(a.date || '9999') || a.file.localeCompare(b.file));
  const sections = entries.map(
    (entry) =>
      `## ${entry.file.replace(/\.md$/, '')}\n\n${entry.date ? `${entry.date} · ` : ''}${
        entry.bumps.length > 0 ? entry.bumps.join(', ') : 'no package bump'
      }\n\n${entry.body.replace(/^#+ /gm, '### ')}\n`,
  );
  writeFileSync(
    join(docs, 'changelog.md'),
    `# Changelog\n\nThe changes not yet released, from the repository's changesets (\`.changeset/*.md\`), newest first. The published packages are versioned in lockstep.\n\n${sections.join('\n')}`,
  );
}

const started = Date.now();
if (!existsSync(join(docs, 'api')) || !process.argv.includes('--keep-api')) generateApi();
generateChangelog();
console.log(`docs: API reference and changelog generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (!process.argv.includes('--generate-only')) {
  mkdirSync(join(docs, '.vitepress'), { recursive: true });
  execFileSync(bin('vitepress'), ['build'], { stdio: 'inherit', cwd: docs });
}
