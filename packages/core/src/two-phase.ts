/**
 * Two-phase global-norm clipping for sharded gradients: each holder computes `partialNorm` of its
 * shard, the partials are reduced over the caller's own transport (`combinePartialNorms`: a sum of
 * p-th powers, or a max for p = ∞), and each holder applies the common scale with `clipWithNorm`.
 * Reduce over the groups that hold *disjoint* shards only; a replicated tensor counted twice is
 * the classic FSDP double-counting bug.
 */
import type { ClipBackend } from './backend.js';
import { releaseIntermediates } from './clipper.js';
import { ClipError, invalid } from './errors.js';
import { type ClippedGradients, type Gradients, unpackGradients } from './gradient-container.js';
import { call, runAsync, type Steps } from './kernel-steps.js';
import { parseSpec } from './parse-spec.js';
import { normOfPartial, orderToJson, type PartialNorm } from './partial-norm.js';
import type { HostTensor } from './reference/host-tensor.js';
import { createReferenceBackend } from './reference/reference-backend.js';
import type { ClipReport, ClipResult } from './report.js';
import { allNaN, applyGlobalScale, partialNormOf, type StrategyContext, summarize } from './run-strategy.js';
import { wholeTensorLayout } from './slice-layout.js';
import type { GlobalNormSpec, NonFinitePolicy, NormOrder, ResolvedGlobalNormSpec } from './spec.js';

export interface PartialNormOptions<T> {
  /** Norm order, default 2. */
  readonly p?: NormOrder;
  /**
   * Pass the spec's policy when it is `'zero'`: non-finite values then count as 0 in the sum, as
   * in the one-call form (they are still counted in `nonFiniteCount`).
   */
  readonly nonFinite?: NonFinitePolicy;
  readonly backend?: ClipBackend<T>;
}

/** The partial norm of one shard of the gradients. Non-finite values are counted, never hidden. */
export function partialNorm<T = HostTensor>(
  gradients: Gradients<T>,
  options: PartialNormOptions<T> = {},
): Promise<PartialNorm> {
  return runAsync(partialNormSteps(gradients, options));
}

function* partialNormSteps<T>(gradients: Gradients<T>, options: PartialNormOptions<T>): Steps<PartialNorm> {
  const spec = parseSpec(
    { kind: 'globalNorm', maxNorm: 'Infinity', ...(options.p === undefined ? {} : { p: options.p }) },
    'options',
  ) as ResolvedGlobalNormSpec;
  const { context, inputs } = contextFor(gradients, options.backend);
  const layouts = context.shapes.map((shape) => wholeTensorLayout(shape));
  try {
    let summaries = yield* summarize(context, inputs, spec.p, layouts);
    const nonFiniteCount = summaries.reduce((total, summary) => total + summary.nonFiniteCount, 0);
    let tensors = inputs;
    if (nonFiniteCount > 0 && options.nonFinite === 'zero') {
      tensors = yield* zeroed(context, inputs);
      summaries = yield* summarize(context, tensors, spec.p, layouts);
    }
    const { partial } = yield* partialNormOf(tensors, summaries, spec.p, context);
    return { ...partial, nonFiniteCount };
  } finally {
    releaseIntermediates(context, []);
  }
}

/**
 * Applies a global-norm spec with a norm computed elsewhere: the combined partial norms of every
 * shard, or a plain number (as PyTorch's `clip_grads_with_norm_(params, max_norm, total_norm)`).
 * The spec's non-finite policy acts on the combined count, so every shard decides alike; a plain
 * non-finite number counts as one non-finite value.
 */
export function clipWithNorm<T = HostTensor, G extends Gradients<T> = Gradients<T>>(
  gradients: G,
  spec: GlobalNormSpec,
  totalNorm: PartialNorm | number,
  options: { readonly backend?: ClipBackend<T> } = {},
): Promise<ClipResult<ClippedGradients<G, T>>> {
  return runAsync(clipWithNormSteps(gradients, spec, totalNorm, options.backend));
}

function* clipWithNormSteps<T, G extends Gradients<T>>(
  gradients: G,
  spec: GlobalNormSpec,
  totalNorm: PartialNorm | number,
  backend: ClipBackend<T> | undefined,
): Steps<ClipResult<ClippedGradients<G, T>>> {
  const given = typeof totalNorm === 'number' ? totalNorm : undefined;
  if (given !== undefined && !(given >= 0 || Number.isNaN(given))) {
    throw invalid('INVALID_SPEC', 'totalNorm', given, 'a norm ≥ 0 (or a partial norm from partialNorm)');
  }
  const total: PartialNorm =
    typeof totalNorm === 'number'
      ? {
          p: orderToJson(
            parseSpec(spec).kind === 'globalNorm' ? (parseSpec(spec) as ResolvedGlobalNormSpec).p : 2,
          ),
          sum: totalNorm,
          compensation: 0,
          exponent: 0,
          maxAbs: totalNorm,
          nonFiniteCount: Number.isFinite(totalNorm) ? 0 : 1,
          tensorCount: 0,
        }
      : totalNorm;
  const resolved = parseSpec(spec);
  if (resolved.kind !== 'globalNorm') {
    throw invalid(
      'INVALID_SPEC',
      'spec.kind',
      resolved.kind,
      '"globalNorm" (clipWithNorm applies a global norm)',
    );
  }
  if (orderToJson(resolved.p) !== total.p) {
    throw invalid('INVALID_SPEC', 'total.p', total.p, `the spec's order ${orderToJson(resolved.p)}`);
  }
  const { context, inputs, repack } = contextFor(gradients, backend);
  const finish = (tensors: readonly T[], report: ClipReport) => {
    outputs = tensors;
    return { gradients: repack(tensors) as ClippedGradients<G, T>, report };
  };
  let outputs: readonly T[] = [];
  try {
    const count = total.nonFiniteCount;
    if (count === 0 || resolved.nonFinite === 'propagate') {
      const result = yield* applyGlobalScale(resolved, inputs, total, context, given);
      return finish(result.tensors, result.report);
    }
    const normBefore = given ?? normOfPartial(total);
    const base = { kind: 'globalNorm', normBefore, nonFiniteCount: count } as const;
    switch (resolved.nonFinite) {
      case 'error':
        throw new ClipError(
          'NON_FINITE_GRADIENT',
          `total.nonFiniteCount: the combined partial norms count ${count} non-finite value${count === 1 ? '' : 's'}; ` +
            'the spec\'s nonFinite policy is "error"; expected finite gradients in every shard',
          { field: 'total.nonFiniteCount', value: count, expected: '0' },
        );
      case 'skip':
        return finish([...inputs], {
          ...base,
          normAfter: normBefore,
          scale: 1,
          clipped: false,
          skipped: true,
        });
      case 'nanAll': {
        const tensors = yield* allNaN(context, inputs);
        return finish(tensors, {
          ...base,
          normAfter: Number.NaN,
          scale: Number.NaN,
          clipped: true,
          skipped: false,
        });
      }
      case 'zero': {
        const result = yield* applyGlobalScale(
          resolved,
          yield* zeroed(context, inputs),
          total,
          context,
          given,
        );
        return finish(result.tensors, { ...result.report, nonFiniteCount: count });
      }
    }
  } finally {
    releaseIntermediates(context, outputs);
  }
}

function* zeroed<T>(context: StrategyContext<T>, tensors: readonly T[]): Steps<T[]> {
  const outputs = yield* call(() => context.backend.zeroNonFinite(tensors));
  for (const tensor of outputs) context.created.add(tensor);
  return outputs;
}

function contextFor<T>(gradients: Gradients<T>, given: ClipBackend<T> | undefined) {
  const backend = given ?? (createReferenceBackend() as unknown as ClipBackend<T>);
  const unpacked = unpackGradients(gradients, backend);
  const context: StrategyContext<T> = {
    backend,
    names: unpacked.entries.map((entry) => entry.name),
    shapes: unpacked.entries.map((entry) => entry.shape),
    created: new Set<T>(),
    perTensorNorms: false,
  };
  return { context, inputs: unpacked.entries.map((entry) => entry.tensor), repack: unpacked.repack };
}
