/**
 * The non-finite policy (`nonFinite`), in one place for the one-call and the two-phase forms: what
 * happens when the gradients hold NaN or ±Infinity, before any strategy runs.
 */
import { ClipError } from '../errors.js';
import type { Steps } from '../kernel-steps.js';
import type { ClipReport } from '../report.js';
import type { ClipKind, NonFinitePolicy } from '../spec.js';
import { allNaN, zeroNonFinite } from './kernel-calls.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

export interface NonFiniteFacts {
  readonly kind: ClipKind;
  readonly policy: NonFinitePolicy;
  readonly nonFiniteCount: number;
  /** The norm to report when the policy ends the call. */
  readonly normBefore: number;
  /** Report fields the strategy adds (e.g. per-tensor norms). */
  readonly extra?: Partial<ClipReport>;
  /** The error the `error` policy throws (it may read a tensor to name the value). */
  readonly error: () => Steps<ClipError>;
}

export type PolicyOutcome<T> =
  /** Go on clipping `tensors` (the input, or under `zero` its zeroed copies). */
  | { readonly done: false; readonly tensors: readonly T[]; readonly zeroed: boolean }
  /** The policy decided the call's output. */
  | { readonly done: true; readonly output: StrategyOutput<T> };

export function* applyNonFinitePolicy<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  facts: NonFiniteFacts,
): Steps<PolicyOutcome<T>> {
  const { kind, policy, nonFiniteCount, normBefore } = facts;
  if (nonFiniteCount === 0 || policy === 'propagate') return { done: false, tensors, zeroed: false };
  const base = { kind, normBefore, nonFiniteCount, ...facts.extra };
  switch (policy) {
    case 'error':
      throw yield* facts.error();
    case 'skip':
      return {
        done: true,
        output: {
          tensors: [...tensors],
          report: {
            ...base,
            normAfter: normBefore,
            scale: kind === 'value' ? null : 1,
            clipped: false,
            skipped: true,
          },
        },
      };
    case 'nanAll':
      return {
        done: true,
        output: {
          tensors: yield* allNaN(context, tensors),
          report: {
            ...base,
            normAfter: Number.NaN,
            scale: kind === 'value' ? null : Number.NaN,
            clipped: true,
            skipped: false,
          },
        },
      };
    case 'zero':
      return { done: false, tensors: yield* zeroNonFinite(context, tensors), zeroed: true };
  }
}

/** The `error` policy's error when only a count is known (combined partial norms). */
export function nonFiniteCountError(field: string, count: number): ClipError {
  return new ClipError(
    'NON_FINITE_GRADIENT',
    `${field}: the combined partial norms count ${count} non-finite value${count === 1 ? '' : 's'}; ` +
      'the spec\'s nonFinite policy is "error"; expected finite gradients in every shard',
    { field, value: count, expected: '0' },
  );
}
