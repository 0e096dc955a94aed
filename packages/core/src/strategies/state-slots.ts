/**
 * Where a call's stateful strategies find their state. A clipper parses its spec once, so each
 * resolved spec node is a stable key for its own state (two `autoClip` steps of one chain keep two
 * histories). Strategies never mutate state: they read the state as it was when the call began and
 * write the next one; the clipper commits the writes only when the whole call succeeded, so a
 * call that throws (a non-finite gradient under the `error` policy, a backend failure) changes
 * nothing.
 */
import type { ResolvedSpec } from '../spec.js';

export interface StateSlots {
  /** The state of `spec` before this call; `undefined` when it has none yet (a fresh clipper). */
  read(spec: ResolvedSpec): unknown;
  /** The state of `spec` after this call. */
  write(spec: ResolvedSpec, next: unknown): void;
}

/** Slots over a committed map; `pending` collects the writes of one call. */
export function stateSlots(
  committed: ReadonlyMap<ResolvedSpec, unknown>,
  pending: Map<ResolvedSpec, unknown>,
): StateSlots {
  return {
    read: (spec) => committed.get(spec),
    write: (spec, next) => {
      pending.set(spec, next);
    },
  };
}

/** Fresh state that no call keeps (one-shot `clip()`, two-phase calls). */
export function transientStateSlots(): StateSlots {
  return stateSlots(new Map(), new Map());
}
