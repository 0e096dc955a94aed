import { readFile } from 'node:fs/promises';
import { ModelsError } from '../errors.js';

/** A data file's bytes; a file that cannot be read is an `INVALID_DATA` error naming it. */
export async function readDataFile(path: string, expected: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ModelsError('INVALID_DATA', `${path}: cannot be read (${(error as Error).message})`, {
      field: path,
      expected,
      cause: error,
    });
  }
}
