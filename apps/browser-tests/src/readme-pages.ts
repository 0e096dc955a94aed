import { readFileSync } from 'node:fs';

export interface ReadmePage {
  /** The whole ```html block of the README's "Browser" section. */
  readonly html: string;
  /** The module script inside it. */
  readonly script: string;
  /** What the page must show (its `// shows: …` comment). */
  readonly shows: string;
}

/** The page example of a README's "## Browser" section. */
export function readmePage(path: string): ReadmePage {
  const text = readFileSync(path, 'utf8');
  const section = /\n## Browser\n([\s\S]*?)(?=\n## |$)/.exec(text)?.[1];
  if (section === undefined) throw new Error(`${path}: no "## Browser" section`);
  const html = /```html\n([\s\S]*?)```/.exec(section)?.[1];
  if (html === undefined) throw new Error(`${path}: the Browser section has no html block`);
  const script = /<script type="module">\n([\s\S]*?)<\/script>/.exec(html)?.[1];
  const shows = script === undefined ? undefined : /\/\/ shows: (.*)$/m.exec(script)?.[1];
  if (script === undefined || shows === undefined) {
    throw new Error(`${path}: the page needs a <script type="module"> with a "// shows: …" comment`);
  }
  return { html, script, shows };
}

/** Bundle-size line of a README: stated gzip and minified sizes and the gzip budget, in bytes. */
export function statedBundleSize(path: string): { gzip: number; minified: number; budget: number } {
  const text = readFileSync(path, 'utf8').replace(/\s+/g, ' ');
  const match = /\*\*([\d.]+) kB gzip\*\* \(([\d.]+) kB minified\); budget ([\d.]+) kB gzip/.exec(text);
  if (match === null) throw new Error(`${path}: no "**N kB gzip** (M kB minified); budget B kB gzip" line`);
  const [, gzip, minified, budget] = match.map(Number) as [number, number, number, number];
  return { gzip: gzip * 1000, minified: minified * 1000, budget: budget * 1000 };
}
