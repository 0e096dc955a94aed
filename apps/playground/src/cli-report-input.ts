import { readFileSync } from 'node:fs';
import type { DemoRun } from './demo-run.js';
import type { ParityRun } from './parity.js';

/**
 * Reading what `parity` and `demo` wrote, for `report`. The files may be missing, truncated or
 * hand-edited: every defect is a {@link ReportInputError} naming the file and the field, never a
 * TypeError half-way through rendering (a corrupt parity.json used to end in "Cannot read
 * properties of undefined (reading 'map')").
 */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

/** The parity run in `path`, or null when there is no such file. */
export function readParityRun(path: string): ParityRun | null {
  const data = readJsonFile(path);
  if (data === undefined) return null;
  const fail = (field: string, expected: string): never => {
    throw new ReportInputError(
      `${path}: ${field}: expected ${expected}; run \`gradclip-playground parity\` again`,
    );
  };
  if (!isObject(data)) fail('(top level)', 'an object { backends, results, summary }');
  const run = data as Record<string, unknown>;
  if (!Array.isArray(run.backends)) fail('backends', 'an array');
  (run.backends as unknown[]).forEach((entry, i) => {
    if (!isObject(entry)) fail(`backends[${i}]`, 'an object');
    const backend = entry as Record<string, unknown>;
    for (const key of ['id', 'mode', 'version']) {
      if (typeof backend[key] !== 'string') fail(`backends[${i}].${key}`, 'a string');
    }
    if (typeof backend.available !== 'boolean') fail(`backends[${i}].available`, 'true or false');
  });
  if (!Array.isArray(run.results)) fail('results', 'an array');
  (run.results as unknown[]).forEach((entry, i) => {
    if (!isObject(entry)) fail(`results[${i}]`, 'an object');
    const result = entry as Record<string, unknown>;
    for (const key of ['caseId', 'backend', 'status']) {
      if (typeof result[key] !== 'string') fail(`results[${i}].${key}`, 'a string');
    }
    if (typeof result.bitIdentical !== 'boolean') fail(`results[${i}].bitIdentical`, 'true or false');
    if (result.maxUlp !== null && typeof result.maxUlp !== 'number')
      fail(`results[${i}].maxUlp`, 'a number or null');
  });
  if (!isObject(run.summary)) fail('summary', 'an object');
  const summary = run.summary as Record<string, unknown>;
  for (const key of ['cases', 'backends', 'bitIdentical', 'compared', 'failed']) {
    if (typeof summary[key] !== 'number') fail(`summary.${key}`, 'a number');
  }
  // JSON writes an infinite ULP distance as null.
  if (summary.maxUlp !== null && typeof summary.maxUlp !== 'number')
    fail('summary.maxUlp', 'a number or null');
  if (!Array.isArray(summary.missing)) fail('summary.missing', 'an array');
  return data as unknown as ParityRun;
}

/** The demo runs in `path` (non-finite numbers revived from their string spelling), or null when there is no such file. */
export function readDemoRuns(path: string): DemoRun[] | null {
  const data = readJsonFile(path, (_key, item: unknown) =>
    item === 'NaN' || item === 'Infinity' || item === '-Infinity' ? Number(item) : item,
  );
  if (data === undefined) return null;
  const fail = (field: string, expected: string): never => {
    throw new ReportInputError(
      `${path}: ${field}: expected ${expected}; run \`gradclip-playground demo\` again`,
    );
  };
  if (!Array.isArray(data)) fail('(top level)', 'an array of demo runs');
  (data as unknown[]).forEach((entry, i) => {
    if (!isObject(entry)) fail(`[${i}]`, 'an object');
    const run = entry as Record<string, unknown>;
    for (const key of ['experiment', 'clipping', 'backend']) {
      if (typeof run[key] !== 'string') fail(`[${i}].${key}`, 'a string');
    }
    for (const key of ['epochLoss', 'stepLoss', 'gradientNormBefore', 'gradientNormAfter']) {
      const values = run[key];
      if (!Array.isArray(values) || !values.every((value) => typeof value === 'number')) {
        fail(`[${i}].${key}`, 'an array of numbers');
      }
    }
    const threshold = run.threshold;
    if (
      threshold !== undefined &&
      (!Array.isArray(threshold) || !threshold.every((value) => value === null || typeof value === 'number'))
    ) {
      fail(`[${i}].threshold`, 'an array of numbers and nulls, or nothing');
    }
  });
  return data as DemoRun[];
}

/** The parsed file; undefined when it does not exist; a ReportInputError when it cannot be read or parsed. */
function readJsonFile(path: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new ReportInputError(`${path}: cannot be read (${(error as Error).message.split('\n')[0]})`);
  }
  try {
    return JSON.parse(text, reviver);
  } catch (error) {
    throw new ReportInputError(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
