/**
 * README samples as tests: every ```ts block of a README is run as written (its package import
 * rewritten to source) and what it prints is compared with its `console.log(…); // expected`
 * comments. The comparison rule stays with each test; this module does the running.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The code blocks of a Markdown file in the given language, in order. */
export function readmeSamples(path: string, language = 'ts'): string[] {
  const fence = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...readFileSync(path, 'utf8').matchAll(fence)].map((match) => match[1] as string);
}

/** The text after `// ` on each `console.log(…);` line, in order. */
export function printedExpectations(source: string): string[] {
  return [...source.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1] as string);
}

/** How a logged value is shown: Float32Arrays as `Float32Array [a, b, …]`, everything else by String. */
export function showLogged(value: unknown): string {
  if (value instanceof Float32Array) return `Float32Array [${Array.from(value).join(', ')}]`;
  return String(value);
}

export interface RunSampleOptions {
  readonly source: string;
  /** Package specifier → file to import instead (e.g. the package's src/index.ts). */
  readonly imports: Readonly<Record<string, string>>;
  /** A scratch directory the sample file is written to. */
  readonly directory: string;
  readonly fileName: string;
}

/** Writes the sample with its imports rewritten, imports it, and returns the lines it logged. */
export async function runSample(options: RunSampleOptions): Promise<string[]> {
  let source = options.source;
  for (const [specifier, file] of Object.entries(options.imports)) {
    source = source.replaceAll(`'${specifier}'`, `'${file}'`);
  }
  const file = join(options.directory, options.fileName);
  writeFileSync(file, options.fileName.endsWith('.ts') ? `${source}\nexport {};\n` : source);
  const printed: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    printed.push(args.map(showLogged).join(' '));
  };
  try {
    await import(file);
  } finally {
    console.log = original;
  }
  return printed;
}
