import { gunzipSync } from 'node:zlib';
import { ModelsError } from '../errors.js';
import { readDataFile } from './read-data-file.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An n-dimensional array read from an IDX file (the format of the MNIST and Fashion-MNIST files). */
export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: IdxData;
}

// IDX type codes → element size and constructor.
const TYPES: Readonly<Record<number, { readonly size: number; readonly name: string }>> = {
  8: { size: 1, name: 'uint8' },
  9: { size: 1, name: 'int8' },
  11: { size: 2, name: 'int16' },
  12: { size: 4, name: 'int32' },
  13: { size: 4, name: 'float32' },
  14: { size: 8, name: 'float64' },
};

/**
 * Parses IDX bytes: a 4-byte magic (0, 0, type code, rank), `rank` big-endian uint32 dimensions,
 * then the elements big-endian. Gzipped input (`*-ubyte.gz`) is recognised by its magic and
 * inflated first. `source` names the data in errors.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? inflate(bytes, source) : bytes;
  const fail = (expected: string, value: unknown) =>
    new ModelsError('INVALID_DATA', `${source}: got ${String(value)}, expected ${expected}`, {
      field: source,
      value,
      expected,
    });
  if (raw.length < 4) throw fail('at least the 4-byte IDX magic', `${raw.length} bytes`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] !== 0 || raw[1] !== 0)
    throw fail('an IDX magic starting with two zero bytes', `0x${hex(raw, 0, 4)}`);
  const code = raw[2] as number;
  const type = TYPES[code];
  if (type === undefined)
    throw fail('an IDX type code 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E', `0x${hex(raw, 2, 3)}`);
  const rank = raw[3] as number;
  const headerSize = 4 + 4 * rank;
  if (raw.length < headerSize)
    throw fail(`${headerSize} header bytes for rank ${rank}`, `${raw.length} bytes`);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const dimension = view.getUint32(4 + 4 * i, false);
    shape.push(dimension);
    count *= dimension;
  }
  const expectedSize = headerSize + count * type.size;
  if (raw.length !== expectedSize) {
    throw fail(
      `${expectedSize} bytes for ${type.name} data of shape [${shape.join(', ')}]`,
      `${raw.length} bytes`,
    );
  }
  return { shape, data: readElements(view, code, headerSize, count) };
}

/** Reads and parses one IDX file, gzipped or not. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const bytes = await readDataFile(path, 'a readable IDX file');
  return parseIdx(bytes, path);
}

function readElements(view: DataView, code: number, offset: number, count: number): IdxData {
  switch (code) {
    case 0x08:
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 0x09:
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 0x0b:
      return fill(new Int16Array(count), (i) => view.getInt16(offset + 2 * i, false));
    case 0x0c:
      return fill(new Int32Array(count), (i) => view.getInt32(offset + 4 * i, false));
    case 0x0d:
      return fill(new Float32Array(count), (i) => view.getFloat32(offset + 4 * i, false));
    default:
      return fill(new Float64Array(count), (i) => view.getFloat64(offset + 8 * i, false));
  }
}

function fill<A extends Int16Array | Int32Array | Float32Array | Float64Array>(
  array: A,
  read: (i: number) => number,
): A {
  for (let i = 0; i < array.length; i++) array[i] = read(i);
  return array;
}

function inflate(bytes: Uint8Array, source: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new ModelsError('INVALID_DATA', `${source}: gzip data is corrupt (${(error as Error).message})`, {
      field: source,
      expected: 'a valid gzip stream',
      cause: error,
    });
  }
}

function hex(bytes: Uint8Array, start: number, end: number): string {
  return Array.from(bytes.subarray(start, end), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
