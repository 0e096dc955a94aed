/**
 * Telemetry on request (`{ telemetry: { topK, clippedFraction } }`): the largest tensors by norm and
 * the fraction of elements (of examples, for perExample) the call changed — what users of PyTorch, DeepSpeed and Megatron ask
 * their trainers for. Nothing here runs unless asked: a plain call pays nothing.
 */
import { invalid } from './errors.js';
import { call, type Steps } from './kernel-steps.js';
import type { ClipReport } from './report.js';
import type { StrategyContext } from './strategies/strategy-context.js';

export interface TelemetryOptions {
  /** Report the `topK` tensors with the largest norms before clipping (`report.topTensors`). */
  readonly topK?: number;
  /**
   * Report the fraction of all elements whose value the call changed (`report.clippedFraction`);
   * for a call with perExample steps, the fraction of their examples that were clipped.
   */
  readonly clippedFraction?: boolean;
}

/** Validates `telemetry` call options; `undefined` is none. */
export function parseTelemetry(value: unknown, field: string): TelemetryOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('INVALID_SPEC', field, value, 'an object such as { topK: 5, clippedFraction: true }');
  }
  const { topK, clippedFraction } = value as Record<string, unknown>;
  if (topK !== undefined && !(Number.isInteger(topK) && (topK as number) >= 1)) {
    throw invalid('INVALID_SPEC', `${field}.topK`, topK, 'an integer ≥ 1');
  }
  if (clippedFraction !== undefined && typeof clippedFraction !== 'boolean') {
    throw invalid('INVALID_SPEC', `${field}.clippedFraction`, clippedFraction, 'true or false');
  }
  return value as TelemetryOptions;
}

/** The telemetry fields for a finished call (`report.perTensorNorms` must be present for `topK`). */
export function* telemetryOf<T>(
  context: StrategyContext<T>,
  inputs: readonly T[],
  outputs: readonly T[],
  report: ClipReport,
  options: TelemetryOptions,
): Steps<Pick<ClipReport, 'topTensors' | 'clippedFraction'>> {
  const fields: { topTensors?: NonNullable<ClipReport['topTensors']>; clippedFraction?: number } = {};
  if (options.topK !== undefined) {
    const norms = report.perTensorNorms ?? [];
    fields.topTensors = context.names
      .map((name, i) => ({ name, norm: norms[i] as number }))
      // NaN first (the tensor a user most needs to see), then by norm, largest first.
      .sort((a, b) => (Number.isNaN(a.norm) ? -1 : Number.isNaN(b.norm) ? 1 : b.norm - a.norm))
      .slice(0, options.topK);
  }
  const perExample = perExampleReports(report);
  if (options.clippedFraction === true && perExample.length > 0) {
    // Per-example clipping counts examples (a batch sum has no element to compare with its input).
    const examples = perExample.reduce((total, step) => total + (step.examples ?? 0), 0);
    const clipped = perExample.reduce((total, step) => total + (step.clippedExamples ?? 0), 0);
    fields.clippedFraction = report.skipped || examples === 0 ? 0 : clipped / examples;
  } else if (options.clippedFraction === true) {
    let total = 0;
    let changed = 0;
    for (const [i, input] of inputs.entries()) {
      const output = outputs[i] as T;
      const size = context.shapes[i]?.reduce((a, b) => a * b, 1) ?? 0;
      total += size;
      // A tensor returned as it is changed nothing; the others are compared bit for bit.
      if (output === input) continue;
      const before = yield* call(() => context.backend.toHost(input));
      const after = yield* call(() => context.backend.toHost(output));
      const a = new Uint32Array(before.buffer, before.byteOffset, before.length);
      const b = new Uint32Array(after.buffer, after.byteOffset, after.length);
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) changed++;
    }
    fields.clippedFraction = total === 0 ? 0 : changed / total;
  }
  return fields;
}

/** The reports of the call's perExample steps, at any depth of chains and groups. */
function perExampleReports(report: ClipReport): ClipReport[] {
  if (report.kind === 'perExample') return [report];
  return (report.steps ?? []).flatMap(perExampleReports);
}
