/**
 * The first pass of every one-call strategy: summarise the gradients, then apply the spec's
 * non-finite policy (re-summarising the zeroed copies under `zero`).
 */
import type { TensorSummary } from '../backend.js';
import { ClipError } from '../errors.js';
import { call, type Steps } from '../kernel-steps.js';
import { multiIndex, type SliceLayout } from '../slice-layout.js';
import type { ResolvedSpec } from '../spec.js';
import { summarize } from './kernel-calls.js';
import { applyNonFinitePolicy } from './non-finite-policy.js';
import { normOfSummaries, perTensorNormsOf } from './report-norms.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

export type Screened<T> =
  | {
      readonly done: false;
      readonly tensors: readonly T[];
      readonly summaries: readonly TensorSummary[];
      readonly nonFiniteCount: number;
    }
  | { readonly done: true; readonly output: StrategyOutput<T> };

export function* screenedSummaries<T>(
  spec: ResolvedSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
  p: number,
  layouts: readonly SliceLayout[],
): Steps<Screened<T>> {
  const summaries = yield* summarize(context, tensors, p, layouts);
  const nonFiniteCount = summaries.reduce((total, summary) => total + summary.nonFiniteCount, 0);
  const outcome = yield* applyNonFinitePolicy(context, tensors, {
    kind: spec.kind,
    policy: spec.nonFinite,
    nonFiniteCount,
    normBefore: nonFiniteCount === 0 ? 0 : normOfSummaries(summaries, p),
    extra: perTensorNormsOf(context, summaries, p),
    error: () => nonFiniteError(summaries, tensors, context),
  });
  if (outcome.done) return outcome;
  if (!outcome.zeroed) return { done: false, tensors, summaries, nonFiniteCount };
  const zeroedSummaries = yield* summarize(context, outcome.tensors, p, layouts);
  return { done: false, tensors: outcome.tensors, summaries: zeroedSummaries, nonFiniteCount };
}

/** The `error` policy's error: names the first tensor holding a non-finite value, its index and value. */
function* nonFiniteError<T>(
  summaries: readonly TensorSummary[],
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<ClipError> {
  const i = summaries.findIndex((summary) => summary.nonFiniteCount > 0);
  const summary = summaries[i] as TensorSummary;
  const name = context.names[i] as string;
  const shape = context.shapes[i] as readonly number[];
  const index = summary.firstNonFiniteIndex;
  // Error path only: fetch the offending value so the message can say which it is.
  const host = yield* call(() => context.backend.toHost(tensors[i] as T));
  const value = host[index];
  const where =
    shape.length > 1
      ? ` (index [${multiIndex(shape, index).join(', ')}] of shape [${shape.join(', ')}])`
      : '';
  const total = summaries.reduce((sum, s) => sum + s.nonFiniteCount, 0);
  return new ClipError(
    'NON_FINITE_GRADIENT',
    `${name}[${index}]${where} is ${value}; ${total} non-finite value${total === 1 ? '' : 's'} in all. ` +
      'The spec\'s nonFinite policy is "error"; expected finite gradients (or choose "propagate", "nanAll", "skip" or "zero")',
    { field: name, value, expected: 'finite gradients', tensor: name, index },
  );
}
