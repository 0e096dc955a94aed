import type { ScaleRequest } from '../backend.js';
import type { ScaleDecision } from '../clip-math.js';
import type { Steps } from '../kernel-steps.js';
import type { SliceLayout } from '../slice-layout.js';
import { scaleTensors } from './kernel-calls.js';
import type { StrategyContext } from './strategy-context.js';

/**
 * Each tensor scaled by its slices' decisions: the tensors with any decision applied in one kernel
 * call, the others handed back as they are (no kernel work, no copy).
 */
export function* scaleWhereApplied<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  layouts: readonly SliceLayout[],
  decisions: readonly (readonly ScaleDecision[])[],
): Steps<T[]> {
  const applied = tensors.flatMap((_, i) => (decisions[i]?.some((decision) => decision.apply) ? [i] : []));
  const scaled = yield* scaleTensors(
    context,
    applied.map((i) => tensors[i] as T),
    applied.map((i) => scaleRequest(layouts[i] as SliceLayout, decisions[i] as readonly ScaleDecision[])),
  );
  const outputs = [...tensors];
  applied.forEach((i, k) => {
    outputs[i] = scaled[k] as T;
  });
  return outputs;
}

/** One tensor's scale request from its slices' decisions (identity slices are ×1, which changes no float32). */
export function scaleRequest(layout: SliceLayout, decisions: readonly ScaleDecision[]): ScaleRequest {
  const applied = decisions.find((decision) => decision.apply);
  const order = applied?.apply ? applied.order : 'multiply';
  const multipliers = new Float32Array(decisions.length);
  const divisors = new Float32Array(decisions.length);
  decisions.forEach((decision, slice) => {
    if (decision.apply && decision.order !== order) {
      throw new Error(`internal: slices of one tensor scaled in two orders (${order}, ${decision.order})`);
    }
    multipliers[slice] = decision.apply ? decision.multiplier : 1;
    divisors[slice] = decision.apply ? decision.divisor : 1;
  });
  return order === 'multiply' ? { layout, order, multipliers } : { layout, order, multipliers, divisors };
}
