import { ClipError } from '@gradclip/core';
import { ModelsError } from '../errors.js';
import { type CommandIo, firstLine, runCommand } from './run-command.js';

/**
 * The whole command line as a function: runs `runCommand` and turns every failure into one line
 * on stderr and an exit code (2: a bad option, spec or data, named by the error; 1: anything
 * else), never a stack trace. The bin only sets `process.exitCode` from it.
 */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    await runCommand(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof ModelsError || error instanceof ClipError) {
      io.stderr.write(`gradclip-models: ${firstLine(error)}\n`);
      return 2;
    }
    io.stderr.write(`gradclip-models: unexpected error: ${firstLine(error)}\n`);
    return 1;
  }
}
