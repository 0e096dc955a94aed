/**
 * Markdown code samples with their fence info, for the docs site and the READMEs alike: the same
 * extraction and the same runner (`runSample`), plus the docs' rule for shown output.
 *
 * A fence's info string is the language and then flags: ```` ```ts ```` is run as written;
 * ```` ```ts fragment ```` is a fragment (not run, still type-checked by the caller).
 */
import { readFileSync } from 'node:fs';

export interface MarkdownSample {
  /** The fence's language, e.g. `ts` or `js`. */
  readonly language: string;
  /** The words after the language in the fence's info string, e.g. `['fragment']`. */
  readonly flags: readonly string[];
  readonly code: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
}

/** Every fenced block of a Markdown text whose language is in `languages`, in order. */
export function markdownSamplesOfText(
  text: string,
  languages: readonly string[] = ['ts', 'js'],
): MarkdownSample[] {
  const samples: MarkdownSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)([^`]*)$/.exec(lines[i] as string);
    if (!open) continue;
    const language = open[1] as string;
    const flags = (open[2] as string)
      .trim()
      .split(/\s+/)
      .filter((word) => word !== '' && !word.startsWith('{'));
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    if (languages.includes(language))
      samples.push({ language, flags, code: `${body.join('\n')}\n`, line: start + 1 });
  }
  return samples;
}

/** {@link markdownSamplesOfText} of a file. */
export function markdownSamples(path: string, languages: readonly string[] = ['ts', 'js']): MarkdownSample[] {
  return markdownSamplesOfText(readFileSync(path, 'utf8'), languages);
}

/** True for a sample whose fence says `fragment`: type-checked, not run. */
export function isFragment(sample: MarkdownSample): boolean {
  return sample.flags.includes('fragment');
}

/**
 * The docs' rule for a shown output: the printed line equals the comment, where `…` stands for
 * further non-space characters (the rest of a number, a name, a JSON text).
 */
export function matchesShownOutput(expected: string, printed: string): boolean {
  const pattern = expected
    .trim()
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\S*');
  return new RegExp(`^${pattern}$`).test(printed.trim());
}
