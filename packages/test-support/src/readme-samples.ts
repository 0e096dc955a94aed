/**
 * README samples as tests: every ```ts block of a README is run as written (its package import
 * rewritten to source) and what it prints is compared with its `console.log(…); // expected`
 * comments. The comparison rule stays with each test; this module does the running.
 */
import { execFileSync } from 'node:child_process';
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
  /**
   * Run the sample in a child `node` process, as a user runs a plain script: no test runner's
   * `--conditions` (which every worker thread of this process would inherit), so the packages load
   * their builds. Only for `.mjs` samples.
   */
  readonly childProcess?: boolean;
}

/** Writes the sample with its imports rewritten, imports it, and returns the lines it logged. */
export async function runSample(options: RunSampleOptions): Promise<string[]> {
  let source = options.source;
  for (const [specifier, file] of Object.entries(options.imports)) {
    source = source.replaceAll(`'${specifier}'`, `'${file}'`);
  }
  const file = join(options.directory, options.fileName);
  writeFileSync(file, options.fileName.endsWith('.ts') ? `${source}\nexport {};\n` : source);
  if (options.childProcess) return runInChild(file);
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

/** Runs `node launcher` beside the sample; the launcher records what the sample logs. */
function runInChild(file: string): string[] {
  const launcher = `${file}.launch.mjs`;
  const logged = `${file}.logged.json`;
  writeFileSync(
    launcher,
    [
      "import { writeFileSync } from 'node:fs';",
      `const showLogged = ${showLogged.toString()};`,
      'const printed = [];',
      "console.log = (...args) => { printed.push(args.map(showLogged).join(' ')); };",
      `try { await import(${JSON.stringify(file)}); }`,
      `finally { writeFileSync(${JSON.stringify(logged)}, JSON.stringify(printed)); }`,
      '',
    ].join('\n'),
  );
  execFileSync(process.execPath, [launcher], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  return JSON.parse(readFileSync(logged, 'utf8')) as string[];
}
