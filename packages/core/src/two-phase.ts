/**
 * Two-phase global-norm clipping for sharded gradients: each holder computes `partialNorm` of its
 * shard, the partials are reduced over the caller's own transport (`combinePartialNorms`: an exact
 * sum of p-th powers, or a max for p = ∞), and each holder applies the common scale with
 * `clipWithNorm`. For p = 1, 2 and ∞ the result is bit-identical to one call over all gradients.
 * Reduce over the groups that hold *disjoint* shards only; a replicated tensor counted twice is
 * the classic FSDP double-counting bug.
 */
import type { ClipBackend } from './backend.js';
import { decideScale, normFromPowerSum, powerSumNeedsRescale, rescaleExponent } from './clip-math.js';
import { checkBackend, releaseIntermediates } from './clipper.js';
import { invalid } from './errors.js';
import { type ClippedGradients, type Gradients, unpackGradients } from './gradient-container.js';
import { runAsync, type Steps } from './kernel-steps.js';
import { ExactSum } from './math/exact-sum.js';
import { parseNonFinitePolicy, parseNormOrder, parseSpec } from './parse-spec.js';
import { orderToJson, type PartialNorm, parsePartialNorm, powerSumOfPartial } from './partial-norm.js';
import type { HostTensor } from './reference/host-tensor.js';
import { createReferenceBackend } from './reference/reference-backend.js';
import { exactSummary, summarizeValues } from './reference/reference-kernels.js';
import type { ClipResult } from './report.js';
import { wholeTensorLayout } from './slice-layout.js';
import type { GlobalNormSpec, NonFinitePolicy, NormOrder } from './spec.js';
import { applyDecision, globalDecision, globalReport } from './strategies/global-norm.js';
import { hostValues } from './strategies/kernel-calls.js';
import { applyNonFinitePolicy, nonFiniteCountError } from './strategies/non-finite-policy.js';
import { createStrategyContext } from './strategies/strategy-context.js';

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

/**
 * The partial norm of one shard of the gradients. Non-finite values are counted, never hidden.
 * The shard's values are read on the host (`toHost`) and summed exactly, so that partials combine
 * exactly whatever the backend's own arithmetic.
 */
export function partialNorm<T = HostTensor>(
  gradients: Gradients<T>,
  options: PartialNormOptions<T> = {},
): Promise<PartialNorm> {
  return runAsync(partialNormSteps(gradients, options));
}

function* partialNormSteps<T>(gradients: Gradients<T>, options: PartialNormOptions<T>): Steps<PartialNorm> {
  if (typeof options !== 'object' || options === null) {
    throw invalid('INVALID_SPEC', 'options', options, 'an options object such as { p: 2 }, or nothing');
  }
  const p = parseNormOrder(options.p, 'options.p');
  const zero = parseNonFinitePolicy(options.nonFinite, 'options.nonFinite') === 'zero';
  const { context, inputs } = contextFor(gradients, options.backend);
  const values = yield* hostValues(context, inputs);
  let maxAbs = 0;
  let nonFiniteCount = 0;
  const exact = new ExactSum();
  let largest = 0;
  for (const [i, host] of values.entries()) {
    const layout = wholeTensorLayout(context.shapes[i] as readonly number[]);
    const { summary, sums } =
      p === 1 || p === 2
        ? exactSummary(host, layout, p)
        : // p = ∞: the summary's statistics alone (its "sum" is the max), no power sum thrown away.
          { summary: summarizeValues(host, { p: Number.POSITIVE_INFINITY, layouts: [layout] }, 0), sums: [] };
    nonFiniteCount += summary.nonFiniteCount;
    const tensorMax = summary.maxAbs[0] as number;
    // Under `zero` the non-finite values count as 0: the max is over the finite ones.
    const finiteMax = summary.nonFiniteCount === 0 ? tensorMax : finiteMaxAbs(host);
    largest = Math.max(largest, finiteMax);
    maxAbs = zero ? Math.max(maxAbs, finiteMax) : maxPropagating(maxAbs, tensorMax);
    for (const sum of sums) exact.addAll(sum.parts);
  }
  const common = { p: orderToJson(p), maxAbs, nonFiniteCount, tensorCount: inputs.length };
  if (p === 1 || p === 2) return { ...common, terms: exact.parts, exponent: 0 };
  if (p === Number.POSITIVE_INFINITY) return { ...common, terms: [largest], exponent: 0 };
  // Other orders: the host definition over the finite values, pre-scaled when out of range.
  const finite = values.map((host) => host.map((g) => (Number.isFinite(g) ? g : 0)));
  const sumAt = (exponent: number) => {
    const total = new ExactSum();
    finite.forEach((host) => {
      total.add(
        summarizeValues(host, { p, layouts: [wholeTensorLayout([host.length])] }, 0, exponent)
          .sums[0] as number,
      );
    });
    return total.round();
  };
  let exponent = 0;
  let total = sumAt(0);
  if (powerSumNeedsRescale(total, largest, p)) {
    exponent = rescaleExponent(largest);
    total = sumAt(exponent);
  }
  return { ...common, terms: [total], exponent };
}

function finiteMaxAbs(values: Float32Array): number {
  let max = 0;
  for (const g of values) if (Number.isFinite(g)) max = Math.max(max, Math.abs(g));
  return max;
}

function maxPropagating(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b);
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
  return runAsync(clipWithNormSteps(gradients, spec, totalNorm, options?.backend));
}

function* clipWithNormSteps<T, G extends Gradients<T>>(
  gradients: G,
  spec: GlobalNormSpec,
  totalNorm: PartialNorm | number,
  backend: ClipBackend<T> | undefined,
): Steps<ClipResult<ClippedGradients<G, T>>> {
  const resolved = parseSpec(spec);
  if (resolved.kind !== 'globalNorm') {
    throw invalid(
      'INVALID_SPEC',
      'spec.kind',
      resolved.kind,
      '"globalNorm" (clipWithNorm applies a global norm)',
    );
  }
  let norm: number;
  let nonFiniteCount: number;
  let decide: () => ReturnType<typeof globalDecision>;
  if (typeof totalNorm === 'number') {
    if (!(totalNorm >= 0 || Number.isNaN(totalNorm))) {
      throw invalid(
        'INVALID_SPEC',
        'totalNorm',
        totalNorm,
        'a norm ≥ 0 (or a partial norm from partialNorm)',
      );
    }
    norm = totalNorm;
    nonFiniteCount = Number.isFinite(totalNorm) ? 0 : 1;
    decide = () => decideScale(totalNorm, resolved.maxNorm, resolved.compat, 'global');
  } else {
    const total = parsePartialNorm(totalNorm, 'totalNorm');
    if (orderToJson(resolved.p) !== total.p) {
      throw invalid('INVALID_SPEC', 'totalNorm.p', total.p, `the spec's order ${orderToJson(resolved.p)}`);
    }
    const sum = powerSumOfPartial(total);
    norm = normFromPowerSum(sum, resolved.p, total.exponent);
    nonFiniteCount = total.nonFiniteCount;
    decide = () => globalDecision(resolved, [sum], total.exponent);
  }
  const { context, inputs, repack } = contextFor(gradients, backend);
  let outputs: readonly T[] = [];
  try {
    const outcome = yield* applyNonFinitePolicy(context, inputs, {
      kind: 'globalNorm',
      policy: resolved.nonFinite,
      nonFiniteCount,
      normBefore: norm,
      error: () => noSteps(nonFiniteCountError('totalNorm.nonFiniteCount', nonFiniteCount)),
    });
    if (outcome.done) {
      outputs = outcome.output.tensors;
      return { gradients: repack(outputs) as ClippedGradients<G, T>, report: outcome.output.report };
    }
    // The sum is exact (or given): the decision needs no certificate.
    const decision = decide();
    context.decisions.certified++;
    outputs = yield* applyDecision(context, outcome.tensors, decision);
    return {
      gradients: repack(outputs) as ClippedGradients<G, T>,
      report: {
        ...globalReport(norm, decision, nonFiniteCount),
        decisions: { ...context.decisions },
      },
    };
  } finally {
    releaseIntermediates(context, outputs);
  }
}

// biome-ignore lint/correctness/useYield: a composition that needs no kernel call.
function* noSteps<R>(value: R): Steps<R> {
  return value;
}

function contextFor<T>(gradients: Gradients<T>, given: ClipBackend<T> | undefined) {
  if (given !== undefined) checkBackend(given);
  const backend = given ?? (createReferenceBackend() as unknown as ClipBackend<T>);
  const unpacked = unpackGradients(gradients, backend);
  const context = createStrategyContext(backend, unpacked.entries, false);
  return { context, inputs: unpacked.entries.map((entry) => entry.tensor), repack: unpacked.repack };
}
