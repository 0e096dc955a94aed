import type { ScaleRequest } from '../backend.js';
import type { ScaleDecision } from '../clip-math.js';
import type { SliceLayout } from '../slice-layout.js';

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
