#!/usr/bin/env node
/**
 * gradclip playground: runs the conformance kit on every available backend and prints, per
 * backend and strategy, how many cases are bit-identical to the float64 oracle.
 *
 *   node dist/cli.js [--out DIR]     (default DIR: reports)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ConformanceRun, runConformance } from '@gradclip/core/conformance';
import { playgroundBackends } from './backends.js';
import { formatTable, summarizeByStrategy } from './conformance-summary.js';
import { createProgress } from './progress.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'reports' } } });
const outDirectory = resolve(values.out ?? 'reports');

const runs: { id: string; run?: ConformanceRun; error?: string }[] = [];
for (const backend of playgroundBackends) {
  const progress = createProgress(`conformance ${backend.id}`);
  try {
    const run = await runConformance({
      create: backend.create,
      onCase: (outcome, index, total) => progress.update(index + 1, total, outcome.caseId),
    });
    progress.done();
    runs.push({ id: backend.id, run });
    process.stdout.write(`${formatTable(run.backend.id, summarizeByStrategy(run.outcomes))}\n\n`);
    for (const outcome of run.outcomes.filter((o) => o.status === 'fail' || o.status === 'unexpected-pass')) {
      process.stdout.write(
        `FAIL ${outcome.caseId}: ${outcome.failures.map((f) => `[${f.kind}] ${f.detail}`).join('; ')}\n`,
      );
    }
  } catch (error) {
    progress.done();
    const reason = error instanceof Error ? error.message : String(error);
    runs.push({ id: backend.id, error: reason });
    process.stdout.write(`${backend.id}: could not start (${reason})\n`);
  }
}

mkdirSync(outDirectory, { recursive: true });
const path = join(outDirectory, 'conformance.json');
writeFileSync(
  path,
  `${JSON.stringify(
    runs.map(({ id, run, error }) => ({
      id,
      available: run !== undefined,
      ...(error === undefined ? {} : { reason: error }),
      ...(run === undefined
        ? {}
        : {
            backend: run.backend,
            counts: run.counts,
            outcomes: run.outcomes.map(({ caseId, status, failures, maxUlp, reason, durationMs }) => ({
              caseId,
              status,
              failures,
              maxUlp,
              ...(reason === undefined ? {} : { reason }),
              durationMs: Math.round(durationMs),
            })),
          }),
    })),
    null,
    2,
  )}\n`,
);
process.stdout.write(`wrote ${path}\n`);
const failed = runs.some(({ run }) => run !== undefined && !run.passed);
process.exitCode = failed ? 1 : 0;
