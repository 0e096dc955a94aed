import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ClipError } from '@gradclip/core';
import { type ClipGraphInput, exportClipGraph } from './export-clip-graph.js';

const USAGE = `usage: gradclip-onnx-export --spec '<json>' --input <name>=<dims> [--input ...] --out <file.onnx>
  --spec    the clip spec as JSON, e.g. '{"kind":"globalNorm","maxNorm":1}'
  --input   a gradient: its name and dims, comma-separated; a dim that is not a number is symbolic
            (any size), e.g. --input dense/kernel=784,300 --input dense/bias=n
  --out     where to write the .onnx model`;

export interface CliOutput {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** The export CLI: writes the clip graph of a spec to a file. Returns the exit code. */
export async function runExportCli(args: readonly string[], output: CliOutput = console): Promise<number> {
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
    output.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    output.log(USAGE);
    return 0;
  }
  if (values.spec === undefined || values.out === undefined || values.input === undefined) {
    output.error(`--spec, --input and --out are required\n${USAGE}`);
    return 2;
  }
  try {
    const spec: unknown = JSON.parse(values.spec);
    const inputs = values.input.map(parseInput);
    const bytes = exportClipGraph(spec, { inputs });
    await writeFile(values.out, bytes);
    output.log(`wrote ${values.out} (${bytes.length} bytes, ${inputs.length} gradients)`);
    return 0;
  } catch (error) {
    output.error(error instanceof ClipError || error instanceof SyntaxError ? error.message : String(error));
    return 1;
  }
}

function parseInput(text: string): ClipGraphInput {
  const at = text.lastIndexOf('=');
  if (at <= 0) {
    throw new ClipError('INVALID_GRADIENTS', `--input: got "${text}", expected <name>=<dims>, e.g. w=3,4`, {
      field: '--input',
      value: text,
      expected: '<name>=<dims>',
    });
  }
  const dims = text.slice(at + 1);
  const shape = dims === '' ? [] : dims.split(',').map((dim) => (/^\d+$/.test(dim) ? Number(dim) : dim));
  return { name: text.slice(0, at), shape };
}
