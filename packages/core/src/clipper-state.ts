/**
 * The state of stateful specs as plain JSON data: what `clipper.state` and `clipper.toJSON()`
 * return and what `createClipper(spec, { state })` and `clipperFromJSON` take back. It mirrors the
 * spec: one object per stateful spec, a `chain` lists its steps' states (null for a stateless
 * step), a spec without stateful steps has the state `null`.
 *
 * Every number in a state is a finite float64 (norms that are not finite never enter it), so
 * `JSON.stringify` / `JSON.parse` round-trip it bit for bit, and a checkpoint resumes the exact
 * sequence of thresholds.
 */

import { ClipError, invalid } from './errors.js';
import type { ClipSpec, ResolvedSpec } from './spec.js';
import { type AdaGcMemory, FRESH_ADA_GC } from './strategies/ada-gc.js';
import { type AutoClipMemory, FRESH_AUTO_CLIP } from './strategies/auto-clip.js';
import { FRESH_Z_CLIP, type ZClipMemory } from './strategies/z-clip.js';

/** AutoClip: the recorded norms, oldest first (the last `window` when the spec has one). */
export interface AutoClipState {
  readonly kind: 'autoClip';
  /**
   * Calls that ran, whether or not their norm entered (a non-finite one never does); calls a
   * `nonFinite` policy ended (`skip`, `nanAll`, `error`) do not count.
   */
  readonly step: number;
  readonly history: readonly number[];
}

/** ZClip: the warm-up buffer until it fills, then the EMA mean and variance of the norm. */
export interface ZClipState {
  readonly kind: 'zClip';
  readonly step: number;
  readonly warmupNorms: readonly number[];
  readonly mean: number | null;
  readonly variance: number | null;
}

/** AdaGC: per tensor (named, in call order), the EMA γ_i of its clipped norm. */
export interface AdaGcState {
  readonly kind: 'adaGC';
  readonly step: number;
  readonly tensors: readonly string[] | null;
  readonly gammas: readonly number[] | null;
}

export interface ChainState {
  readonly kind: 'chain';
  readonly steps: readonly (StrategyState | null)[];
}

/** Norm groups: each group's state in order, then the rest's. */
export interface GroupsState {
  readonly kind: 'groups';
  readonly groups: readonly (StrategyState | null)[];
  readonly rest: StrategyState | null;
}

export type StrategyState = AutoClipState | ZClipState | AdaGcState | ChainState | GroupsState;

/** A clipper as JSON: its spec and its state, for checkpoints (`clipperFromJSON` reads it back). */
export interface ClipperJson {
  readonly format: 'gradclip-clipper';
  readonly version: 1;
  readonly spec: ClipSpec;
  readonly state: StrategyState | null;
}

/** True when `spec` or any step of it keeps state between calls. */
export function isStateful(spec: ResolvedSpec): boolean {
  if (spec.kind === 'chain') return spec.steps.some(isStateful);
  if (spec.kind === 'groups') {
    return (
      spec.groups.some((group) => isStateful(group.spec)) ||
      (spec.rest !== undefined && isStateful(spec.rest))
    );
  }
  return spec.kind === 'autoClip' || spec.kind === 'zClip' || spec.kind === 'adaGC';
}

/** The JSON form of the state held in `memories` (fresh state where a spec has none yet). */
export function exportState(
  spec: ResolvedSpec,
  memories: ReadonlyMap<ResolvedSpec, unknown>,
): StrategyState | null {
  switch (spec.kind) {
    case 'autoClip': {
      const memory = (memories.get(spec) as AutoClipMemory | undefined) ?? FRESH_AUTO_CLIP;
      return { kind: 'autoClip', step: memory.step, history: [...memory.history] };
    }
    case 'zClip': {
      const memory = (memories.get(spec) as ZClipMemory | undefined) ?? FRESH_Z_CLIP;
      return {
        kind: 'zClip',
        step: memory.step,
        warmupNorms: [...memory.warmupNorms],
        mean: memory.mean,
        variance: memory.variance,
      };
    }
    case 'adaGC': {
      const memory = (memories.get(spec) as AdaGcMemory | undefined) ?? FRESH_ADA_GC;
      return {
        kind: 'adaGC',
        step: memory.step,
        tensors: memory.names === null ? null : [...memory.names],
        gammas: memory.gammas === null ? null : [...memory.gammas],
      };
    }
    case 'chain':
      return isStateful(spec)
        ? { kind: 'chain', steps: spec.steps.map((step) => exportState(step, memories)) }
        : null;
    case 'groups':
      return isStateful(spec)
        ? {
            kind: 'groups',
            groups: spec.groups.map((group) => exportState(group.spec, memories)),
            rest: spec.rest === undefined ? null : exportState(spec.rest, memories),
          }
        : null;
    default:
      return null;
  }
}

/**
 * Validates a state (from `clipper.state`, a checkpoint, JSON) against `spec` and returns the
 * memories a clipper holds. `undefined` is fresh state. Every problem is a
 * `ClipError('INVALID_SPEC')` naming the field, the value and what was expected.
 */
export function importState(
  spec: ResolvedSpec,
  state: unknown,
  field = 'options.state',
): Map<ResolvedSpec, unknown> {
  const memories = new Map<ResolvedSpec, unknown>();
  if (state !== undefined) readState(spec, state, field, memories);
  return memories;
}

function readState(
  spec: ResolvedSpec,
  state: unknown,
  field: string,
  memories: Map<ResolvedSpec, unknown>,
): void {
  if (!isStateful(spec)) {
    if (state !== null)
      throw invalid('INVALID_SPEC', field, state, `null (a "${spec.kind}" spec keeps no state)`);
    return;
  }
  const record = objectOf(state, field, `a "${spec.kind}" state object (from clipper.state)`);
  if (record.kind !== spec.kind) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.kind`,
      record.kind,
      `"${spec.kind}" (the state must belong to this spec)`,
    );
  }
  switch (spec.kind) {
    case 'autoClip': {
      onlyKeys(record, field, ['kind', 'step', 'history']);
      const step = counter(record.step, `${field}.step`);
      const history = norms(record.history, `${field}.history`);
      const limit = Math.min(step, spec.window);
      if (history.length > limit) {
        throw invalid(
          'INVALID_SPEC',
          `${field}.history`,
          `${history.length} norms`,
          `at most ${limit} norms (one per step recorded${spec.window === Number.POSITIVE_INFINITY ? '' : `, at most window = ${spec.window}`})`,
        );
      }
      const sorted = [...history].sort((a, b) => a - b);
      memories.set(spec, { step, history, sorted } satisfies AutoClipMemory);
      return;
    }
    case 'zClip': {
      onlyKeys(record, field, ['kind', 'step', 'warmupNorms', 'mean', 'variance']);
      const step = counter(record.step, `${field}.step`);
      const warmupNorms = norms(record.warmupNorms, `${field}.warmupNorms`);
      const mean = record.mean === null ? null : norm(record.mean, `${field}.mean`);
      const variance = record.variance === null ? null : norm(record.variance, `${field}.variance`);
      if ((mean === null) !== (variance === null)) {
        throw invalid(
          'INVALID_SPEC',
          `${field}.variance`,
          record.variance,
          'null exactly when mean is null (warm-up)',
        );
      }
      const limit = mean === null ? Math.min(step, spec.warmup - 1) : 0;
      if (warmupNorms.length > limit) {
        throw invalid(
          'INVALID_SPEC',
          `${field}.warmupNorms`,
          `${warmupNorms.length} norms`,
          mean === null
            ? `at most one norm per step so far (${step}), fewer than warmup = ${spec.warmup}`
            : 'an empty list once the mean and variance exist',
        );
      }
      memories.set(spec, { step, warmupNorms, mean, variance } satisfies ZClipMemory);
      return;
    }
    case 'adaGC': {
      onlyKeys(record, field, ['kind', 'step', 'tensors', 'gammas']);
      const step = counter(record.step, `${field}.step`);
      if ((record.tensors === null) !== (record.gammas === null)) {
        throw invalid(
          'INVALID_SPEC',
          `${field}.gammas`,
          record.gammas,
          'null exactly when tensors is null (before the first finite norm), else one value per tensor',
        );
      }
      if (record.tensors === null) {
        memories.set(spec, { ...FRESH_ADA_GC, step } satisfies AdaGcMemory);
        return;
      }
      const names = strings(record.tensors, `${field}.tensors`);
      const gammas = norms(record.gammas, `${field}.gammas`);
      if (gammas.length !== names.length) {
        throw invalid(
          'INVALID_SPEC',
          `${field}.gammas`,
          `${gammas.length} values`,
          `one per tensor (${names.length})`,
        );
      }
      memories.set(spec, { step, names, gammas } satisfies AdaGcMemory);
      return;
    }
    case 'chain': {
      onlyKeys(record, field, ['kind', 'steps']);
      const steps = record.steps;
      if (!Array.isArray(steps) || steps.length !== spec.steps.length) {
        throw invalid(
          'INVALID_SPEC',
          `${field}.steps`,
          steps,
          `an array of ${spec.steps.length} step states (null for stateless steps)`,
        );
      }
      spec.steps.forEach((step, i) => {
        readState(step, steps[i], `${field}.steps[${i}]`, memories);
      });
      return;
    }
    case 'groups': {
      onlyKeys(record, field, ['kind', 'groups', 'rest']);
      const groups = record.groups;
      if (!Array.isArray(groups) || groups.length !== spec.groups.length) {
        throw invalid(
          'INVALID_SPEC',
          `${field}.groups`,
          groups,
          `an array of ${spec.groups.length} group states (null for stateless groups)`,
        );
      }
      spec.groups.forEach((group, i) => {
        readState(group.spec, groups[i], `${field}.groups[${i}]`, memories);
      });
      if (spec.rest === undefined) {
        if (record.rest !== null)
          throw invalid('INVALID_SPEC', `${field}.rest`, record.rest, 'null (no rest spec)');
      } else {
        readState(spec.rest, record.rest, `${field}.rest`, memories);
      }
      return;
    }
    default:
      return;
  }
}

function objectOf(value: unknown, field: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('INVALID_SPEC', field, value, expected);
  }
  // Own properties only, as in specs: what is validated is exactly what JSON would carry.
  const fields: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) fields[key] = (value as Record<string, unknown>)[key];
  return fields;
}

function onlyKeys(record: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      throw new ClipError(
        'INVALID_SPEC',
        `${field}.${key}: unknown field on a "${String(record.kind)}" state; expected only ${allowed.join(', ')}`,
        {
          field: `${field}.${key}`,
          value: record[key],
          expected: `one of the fields ${allowed.join(', ')}`,
        },
      );
    }
  }
  for (const key of allowed) {
    if (!(key in record)) {
      throw invalid(
        'INVALID_SPEC',
        `${field}.${key}`,
        undefined,
        'present (a state has every field; take it from clipper.state)',
      );
    }
  }
}

function counter(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid('INVALID_SPEC', field, value, 'an integer ≥ 0 (steps recorded)');
  }
  return value;
}

function norm(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(
      'INVALID_SPEC',
      field,
      value,
      'a finite number ≥ 0 (states hold norms and their statistics)',
    );
  }
  return value;
}

function norms(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw invalid('INVALID_SPEC', field, value, 'an array of finite numbers ≥ 0');
  const result: number[] = [];
  // An index loop: a sparse array's holes must be named, not skipped.
  for (let i = 0; i < value.length; i++) result.push(norm(value[i], `${field}[${i}]`));
  return result;
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw invalid('INVALID_SPEC', field, value, 'an array of tensor names');
  const result: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const name: unknown = value[i];
    if (typeof name !== 'string')
      throw invalid('INVALID_SPEC', `${field}[${i}]`, name, 'a tensor name (a string)');
    result.push(name);
  }
  return result;
}
