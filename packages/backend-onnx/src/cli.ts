import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ClipError } from '@gradclip/core';
import { type ClipGraphInput, exportClipGraph } from './export-clip-graph.js';

const USAGE = `usage: gradclip-onnx-export --spec '<json>' --input <name>=<dims> [--input ...] --out <file.onnx>
  --spec    the clip spec as JSON, e.g. '{"kind":"globalNorm","maxNorm":1}'
  --input   a gradient: its name and dims, comma-separated; a dim that is a name (letters, digits,
            _) is symbolic (any size), e.g. --input dense/kernel=784,300 --input dense/bias=n
  --out     where to write the .onnx model`;

export interface CliOutput {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** The export CLI: writes the clip graph of a spec to a file. Returns the exit code. */
export async function runExportCli(args: readonly string[], output: CliOutput = console): Promise<number> {
  // Every failure is one line on stderr and a non-zero exit, never a stack trace.
  const fail = (message: string, code: number): number => {
    output.error(`gradclip-onnx-export: ${message} (see --help)`);
    return code;
  };
  let values: { spec?: string; input?: string[]; out?: string; help?: boolean };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        spec: { type: 'string' },
        input: { type: 'string', multiple: true },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return fail(firstLine(error), 2);
  }
  if (values.help) {
    output.log(USAGE);
    return 0;
  }
  if (values.spec === undefined || values.out === undefined || values.input === undefined) {
    return fail('--spec, --input and --out are required', 2);
  }
  try {
    const spec: unknown = parseSpecJson(values.spec);
    const inputs = values.input.map(parseInput);
    // Checked before the export, so a bad path fails fast and names the option.
    await checkOutPath(values.out);
    const bytes = exportClipGraph(spec, { inputs });
    await writeFile(values.out, bytes);
    output.log(`wrote ${values.out} (${bytes.length} bytes, ${inputs.length} gradients)`);
    return 0;
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return fail(
        '--spec: nested too deeply to export (chains nested thousands deep); expected a flatter spec',
        1,
      );
    }
    return fail(firstLine(error), 1);
  }
}

function parseSpecJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ClipError('INVALID_SPEC', `--spec: not valid JSON (${firstLine(error)})`, {
      field: '--spec',
      value: text,
      expected: 'a clip spec as JSON, e.g. {"kind":"globalNorm","maxNorm":1}',
    });
  }
}

async function checkOutPath(out: string): Promise<void> {
  const bad = (expected: string) =>
    new ClipError('INVALID_SPEC', `--out: got "${out}", expected ${expected}`, {
      field: '--out',
      value: out,
      expected,
    });
  if (out === '') throw bad('a file path');
  const target = await stat(out).catch(() => undefined);
  if (target?.isDirectory()) throw bad('a file path, not a directory');
  const parent = await stat(dirname(resolve(out))).catch(() => undefined);
  if (parent === undefined || !parent.isDirectory()) throw bad('a path in an existing directory');
}

/** A symbolic dimension is a name (so "-3", "1e3" or "1.5" are mistakes, not names). */
const DIM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseInput(text: string): ClipGraphInput {
  const at = text.lastIndexOf('=');
  const bad = (what: string, expected: string) =>
    new ClipError('INVALID_GRADIENTS', `--input: got "${text}"${what}, expected ${expected}`, {
      field: '--input',
      value: text,
      expected,
    });
  if (at <= 0) throw bad('', '<name>=<dims>, e.g. w=3,4');
  const dims = text.slice(at + 1);
  const shape =
    dims === ''
      ? []
      : dims.split(',').map((dim) => {
          if (/^\d+$/.test(dim)) {
            const size = Number(dim);
            if (!Number.isSafeInteger(size)) {
              throw bad(`: dimension ${dim} is too large`, `sizes up to ${Number.MAX_SAFE_INTEGER}`);
            }
            return size;
          }
          if (!DIM_NAME.test(dim)) {
            throw bad(
              `: "${dim}" is neither a size nor a dimension name`,
              'sizes (integers ≥ 0) or names (letters, digits, _; not starting with a digit)',
            );
          }
          return dim;
        });
  return { name: text.slice(0, at), shape };
}

/** The first line of an error's message: no stack, no usage dump. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
