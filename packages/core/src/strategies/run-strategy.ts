/**
 * Composes every strategy of the contract from a backend's kernels: spec → strategy → kernels →
 * report. The rules live in core only (policies here and in `non-finite-policy.ts`, thresholds and
 * compat formulas in `clip-math.ts`, exactness in `certified-decisions.ts`); backends do arithmetic.
 */
import type { Steps } from '../kernel-steps.js';
import type { ResolvedSpec } from '../spec.js';
import { runAdaGc } from './ada-gc.js';
import { runAgc } from './agc.js';
import { runAutoClip } from './auto-clip.js';
import { runBlockRms } from './block-rms.js';
import { runChain } from './chain.js';
import { runGlobalNorm } from './global-norm.js';
import { runLossScaled } from './loss-scaled.js';
import { runNorm } from './norm.js';
import { runNormGroups } from './norm-groups.js';
import { runPerExample } from './per-example.js';
import { runSkipOnSpike } from './skip-on-spike.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';
import { runValue } from './value.js';
import { runZClip } from './z-clip.js';

export function* runStrategy<T>(
  spec: ResolvedSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
): Steps<StrategyOutput<T>> {
  switch (spec.kind) {
    case 'value':
      return yield* runValue(spec, tensors, context);
    case 'norm':
      return yield* runNorm(spec, tensors, context);
    case 'globalNorm':
      return yield* runGlobalNorm(spec, tensors, context);
    case 'chain':
      return yield* runChain(spec, tensors, context, (step, current, stepContext) =>
        runStrategy(step, current, stepContext),
      );
    case 'lossScaled':
      return yield* runLossScaled(spec, tensors, context);
    case 'groups':
      return yield* runNormGroups(spec, tensors, context, (step, subset, sub) =>
        runStrategy(step, subset, sub),
      );
    case 'agc':
      return yield* runAgc(spec, tensors, context);
    case 'blockRms':
      return yield* runBlockRms(spec, tensors, context);
    case 'perExample':
      return yield* runPerExample(spec, tensors, context);
    case 'autoClip':
      return yield* runAutoClip(spec, tensors, context);
    case 'zClip':
      return yield* runZClip(spec, tensors, context);
    case 'adaGC':
      return yield* runAdaGc(spec, tensors, context);
    case 'skipOnSpike':
      return yield* runSkipOnSpike(spec, tensors, context);
  }
}
