/**
 * The JSON form of a validated spec: thresholds of ±∞ as strings, p = ∞ as "inf", defaults left out
 * where JSON readers expect them absent.
 */
import { parseSpec } from './parse-spec.js';
import type { ClipSpec, ResolvedSpec } from './spec.js';

/** The JSON form of a spec (thresholds of ±∞ as strings, p = ∞ as "inf"), ready for JSON.stringify. */
export function specToJson(spec: ClipSpec | ResolvedSpec): ClipSpec {
  const resolved = parseSpec(spec);
  return toJson(resolved);
}

function toJson(spec: ResolvedSpec): ClipSpec {
  const options = { nonFinite: spec.nonFinite, compat: spec.compat };
  switch (spec.kind) {
    case 'value':
      return { kind: 'value', min: thresholdToJson(spec.min), max: thresholdToJson(spec.max), ...options };
    case 'norm':
      return {
        kind: 'norm',
        maxNorm: thresholdToJson(spec.maxNorm) as number | 'Infinity',
        p: spec.p === Number.POSITIVE_INFINITY ? 'inf' : spec.p,
        ...(spec.axes === undefined ? {} : { axes: [...spec.axes] }),
        ...options,
      };
    case 'globalNorm':
      return {
        kind: 'globalNorm',
        maxNorm: thresholdToJson(spec.maxNorm) as number | 'Infinity',
        p: spec.p === Number.POSITIVE_INFINITY ? 'inf' : spec.p,
        ...options,
      };
    case 'chain':
      return { kind: 'chain', steps: spec.steps.map(toJson), ...options };
    case 'agc':
      return {
        kind: 'agc',
        clipping: spec.clipping,
        eps: spec.eps,
        ...(spec.axes === undefined ? {} : { axes: [...spec.axes] }),
        exclude: [...spec.exclude],
        ...options,
      };
    case 'lossScaled':
      return {
        kind: 'lossScaled',
        lossScale: spec.lossScale,
        maxNorm: thresholdToJson(spec.maxNorm) as number | 'Infinity',
        p: spec.p === Number.POSITIVE_INFINITY ? 'inf' : spec.p,
        ...options,
      };
    case 'groups':
      return {
        kind: 'groups',
        groups: spec.groups.map((group) => ({
          name: group.name,
          ...(group.tensors.length > 0 ? { tensors: [...group.tensors] } : {}),
          ...(group.pattern === undefined ? {} : { pattern: group.pattern }),
          spec: toJson(group.spec),
        })),
        ...(spec.rest === undefined ? {} : { rest: toJson(spec.rest) }),
        ...options,
      };
    case 'perExample':
      return {
        kind: 'perExample',
        maxNorm: thresholdToJson(spec.maxNorm) as number | 'Infinity',
        ...(spec.p === 2 ? {} : { p: spec.p === Number.POSITIVE_INFINITY ? 'inf' : spec.p }),
        ...(spec.reduce === 'sum' ? {} : { reduce: spec.reduce }),
        ...options,
      };
    case 'blockRms':
      return {
        kind: 'blockRms',
        threshold: thresholdToJson(spec.threshold) as number | 'Infinity',
        ...options,
      };
    case 'autoClip':
      return {
        kind: 'autoClip',
        percentile: spec.percentile,
        ...(spec.window === Number.POSITIVE_INFINITY ? {} : { window: spec.window }),
        ...options,
      };
    case 'zClip':
      return {
        kind: 'zClip',
        alpha: spec.alpha,
        z: spec.z,
        warmup: spec.warmup,
        maxNorm: thresholdToJson(spec.maxNorm) as number | 'Infinity',
        eps: spec.eps,
        mode: spec.mode,
        clipOption: spec.clipOption,
        clipFactor: spec.clipFactor,
        skipStatisticsOnSpike: spec.skipStatisticsOnSpike,
        ...options,
      };
    case 'adaGC':
      return {
        kind: 'adaGC',
        beta: spec.beta,
        absolute: spec.absolute,
        relative: spec.relative,
        warmup: spec.warmup,
        ...options,
      };
    case 'skipOnSpike':
      return {
        kind: 'skipOnSpike',
        maxNorm: thresholdToJson(spec.maxNorm) as number | 'Infinity',
        p: spec.p === Number.POSITIVE_INFINITY ? 'inf' : spec.p,
        ...options,
      };
  }
}

function thresholdToJson(value: number): number | 'Infinity' | '-Infinity' {
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}
