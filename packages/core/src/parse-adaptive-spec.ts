/**
 * Validation of the adaptive, stateful and parameter-aware kinds (agc, blockRms, perExample, groups,
 * lossScaled, autoClip, zClip, adaGC, skipOnSpike), with their published defaults.
 */
import { ClipError, invalid } from './errors.js';
import { MAX_CHAIN_DEPTH, resolve } from './parse-spec.js';
import type {
  ResolvedAdaGcSpec,
  ResolvedAgcSpec,
  ResolvedAutoClipSpec,
  ResolvedBlockRmsSpec,
  ResolvedLossScaledSpec,
  ResolvedNormGroup,
  ResolvedNormGroupsSpec,
  ResolvedPerExampleSpec,
  ResolvedSkipOnSpikeSpec,
  ResolvedZClipSpec,
} from './spec.js';
import {
  axesList,
  count,
  exactOnly,
  flag,
  type Inherited,
  normOrder,
  numberIn,
  oneOf,
  ownFields,
  REDUCTIONS,
  threshold,
  ZCLIP_MODES,
  ZCLIP_OPTIONS,
} from './spec-fields.js';

export function resolveAgc(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedAgcSpec {
  exactOnly(options, field, 'agc');
  const exclude: string[] = [];
  if (record.exclude !== undefined) {
    const raw = record.exclude;
    if (!Array.isArray(raw)) {
      throw invalid('INVALID_SPEC', `${field}.exclude`, raw, 'an array of tensor names to leave unclipped');
    }
    for (let i = 0; i < raw.length; i++) {
      const name: unknown = raw[i];
      if (typeof name !== 'string') {
        throw invalid('INVALID_SPEC', `${field}.exclude[${i}]`, name, 'a tensor name (a string)');
      }
      exclude.push(name);
    }
  }
  return {
    kind: 'agc',
    clipping: numberIn(record.clipping, `${field}.clipping`, 0.01, {
      low: 0,
      high: Number.MAX_VALUE,
      expected: 'a finite number ≥ 0 (λ; 0.01 by default)',
    }),
    eps: numberIn(record.eps, `${field}.eps`, 1e-3, {
      low: 0,
      high: Number.MAX_VALUE,
      expected: 'a finite number ≥ 0 (the floor on parameter norms; 1e-3 by default)',
    }),
    axes: record.axes === undefined ? undefined : axesList(record.axes, `${field}.axes`),
    exclude,
    ...options,
  };
}

export function resolveLossScaled(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedLossScaledSpec {
  exactOnly(options, field, 'lossScaled');
  const lossScale = record.lossScale;
  // A power of two keeps g / lossScale exact (outside the subnormal range), as dynamic scalers do.
  if (
    typeof lossScale !== 'number' ||
    !(lossScale > 0) ||
    !Number.isFinite(lossScale) ||
    2 ** Math.round(Math.log2(lossScale)) !== lossScale ||
    Math.abs(Math.log2(lossScale)) > 100
  ) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.lossScale`,
      lossScale,
      'a power of two in [2^-100, 2^100] such as 65536',
    );
  }
  const maxNorm = threshold(record.maxNorm, `${field}.maxNorm`);
  const p = normOrder(record.p, `${field}.p`);
  if (p !== 1 && p !== 2 && p !== Number.POSITIVE_INFINITY) {
    throw invalid('INVALID_SPEC', `${field}.p`, record.p, '1, 2 or "inf"');
  }
  return { kind: 'lossScaled', lossScale, maxNorm, p, ...options };
}

export function resolveGroups(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
  depth: number,
): ResolvedNormGroupsSpec {
  if (depth >= MAX_CHAIN_DEPTH) {
    const expected = `specs nested at most ${MAX_CHAIN_DEPTH} deep`;
    throw new ClipError('INVALID_SPEC', `${field}: nested ${depth + 1} deep, expected ${expected}`, {
      field,
      value: depth + 1,
      expected,
    });
  }
  const raw = record.groups;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.groups`,
      raw,
      'a non-empty array of { name, tensors? | pattern?, spec }',
    );
  }
  const groups: ResolvedNormGroup[] = [];
  const names = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const where = `${field}.groups[${i}]`;
    const item: unknown = raw[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw invalid('INVALID_SPEC', where, item, 'an object { name, tensors? | pattern?, spec }');
    }
    const group = ownFields(item);
    for (const key of Object.keys(group)) {
      if (!['name', 'tensors', 'pattern', 'spec'].includes(key)) {
        throw invalid(
          'INVALID_SPEC',
          `${where}.${key}`,
          group[key],
          'only the fields name, tensors, pattern, spec',
        );
      }
    }
    if (typeof group.name !== 'string' || group.name === '' || names.has(group.name)) {
      throw invalid(
        'INVALID_SPEC',
        `${where}.name`,
        group.name,
        "a non-empty name, different from the other groups'",
      );
    }
    names.add(group.name);
    const tensors: string[] = [];
    if (group.tensors !== undefined) {
      if (!Array.isArray(group.tensors)) {
        throw invalid('INVALID_SPEC', `${where}.tensors`, group.tensors, 'an array of tensor names');
      }
      for (let k = 0; k < group.tensors.length; k++) {
        const name: unknown = group.tensors[k];
        if (typeof name !== 'string')
          throw invalid('INVALID_SPEC', `${where}.tensors[${k}]`, name, 'a tensor name');
        tensors.push(name);
      }
    }
    if (group.pattern !== undefined && (typeof group.pattern !== 'string' || group.pattern === '')) {
      throw invalid('INVALID_SPEC', `${where}.pattern`, group.pattern, 'a non-empty glob such as "expert/*"');
    }
    if (group.tensors === undefined && group.pattern === undefined) {
      throw invalid(
        'INVALID_SPEC',
        `${where}.tensors`,
        undefined,
        'tensors (a list of names) or pattern (a glob), or both',
      );
    }
    groups.push({
      name: group.name,
      tensors,
      pattern: group.pattern as string | undefined,
      spec: resolve(group.spec, `${where}.spec`, options, depth + 1),
    });
  }
  const rest =
    record.rest === undefined ? undefined : resolve(record.rest, `${field}.rest`, options, depth + 1);
  return { kind: 'groups', groups, rest, ...options };
}

export function resolvePerExample(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedPerExampleSpec {
  if (options.compat !== 'exact' && options.compat !== 'pytorch') {
    throw invalid(
      'INVALID_SPEC',
      `${field}.compat`,
      options.compat,
      '"exact" or "pytorch" (Opacus) for perExample',
    );
  }
  const p = normOrder(record.p, `${field}.p`);
  if (p !== 1 && p !== 2 && p !== Number.POSITIVE_INFINITY) {
    throw invalid('INVALID_SPEC', `${field}.p`, record.p, '1, 2 or "inf" for perExample');
  }
  return {
    kind: 'perExample',
    maxNorm: threshold(record.maxNorm, `${field}.maxNorm`),
    p,
    reduce: oneOf(record.reduce, `${field}.reduce`, REDUCTIONS, 'sum'),
    ...options,
  };
}

export function resolveBlockRms(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedBlockRmsSpec {
  exactOnly(options, field, 'blockRms');
  return { kind: 'blockRms', threshold: threshold(record.threshold, `${field}.threshold`), ...options };
}

export function resolveAutoClip(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedAutoClipSpec {
  exactOnly(options, field, 'autoClip');
  const percentile = numberIn(record.percentile, `${field}.percentile`, 10, {
    low: 0,
    high: 100,
    expected: "a number in [0, 100] (10 is the paper's default; 100 never clips)",
  });
  const window =
    record.window === undefined || record.window === 'Infinity' || record.window === Number.POSITIVE_INFINITY
      ? Number.POSITIVE_INFINITY
      : count(
          record.window,
          `${field}.window`,
          'a positive integer, or "Infinity" (or nothing) for the whole history',
        );
  return { kind: 'autoClip', percentile, window, ...options };
}

export function resolveZClip(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedZClipSpec {
  exactOnly(options, field, 'zClip');
  return {
    kind: 'zClip',
    alpha: numberIn(record.alpha, `${field}.alpha`, 0.97, {
      low: 0,
      high: 1,
      openLow: true,
      openHigh: true,
      expected: 'a number in (0, 1) (the EMA factor; 0.97 by default)',
    }),
    z: numberIn(record.z, `${field}.z`, 2.5, {
      low: 0,
      high: Number.MAX_VALUE,
      openLow: true,
      expected: 'a finite number > 0 (the z-score threshold; 2.5 by default)',
    }),
    warmup:
      record.warmup === undefined
        ? 25
        : count(record.warmup, `${field}.warmup`, 'a positive integer (warm-up steps; 25 by default)'),
    maxNorm: record.maxNorm === undefined ? 1 : threshold(record.maxNorm, `${field}.maxNorm`),
    eps: numberIn(record.eps, `${field}.eps`, 1e-6, {
      low: 0,
      high: Number.MAX_VALUE,
      expected: 'a finite number ≥ 0 (1e-6 by default)',
    }),
    mode: oneOf(record.mode, `${field}.mode`, ZCLIP_MODES, 'zscore'),
    clipOption: oneOf(record.clipOption, `${field}.clipOption`, ZCLIP_OPTIONS, 'adaptiveScaling'),
    clipFactor: numberIn(record.clipFactor, `${field}.clipFactor`, 1, {
      low: 0,
      high: Number.MAX_VALUE,
      openLow: true,
      expected: 'a finite number > 0 (1 by default)',
    }),
    skipStatisticsOnSpike: flag(record.skipStatisticsOnSpike, `${field}.skipStatisticsOnSpike`, false),
    ...options,
  };
}

export function resolveAdaGc(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedAdaGcSpec {
  exactOnly(options, field, 'adaGC');
  return {
    kind: 'adaGC',
    beta: numberIn(record.beta, `${field}.beta`, 0.98, {
      low: 0,
      high: 1,
      openHigh: true,
      expected: 'a number in [0, 1) (the EMA factor; 0.98 by default)',
    }),
    absolute: numberIn(record.absolute, `${field}.absolute`, 1, {
      low: 0,
      high: Number.MAX_VALUE,
      expected: 'a finite number ≥ 0 (the warm-up global threshold λ_abs; 1 by default)',
    }),
    relative: numberIn(record.relative, `${field}.relative`, 1.05, {
      low: 0,
      high: Number.MAX_VALUE,
      expected: "a finite number ≥ 0 (the factor λ_rel on each tensor's EMA; 1.05 by default)",
    }),
    warmup:
      record.warmup === undefined
        ? 100
        : count(record.warmup, `${field}.warmup`, 'a positive integer (warm-up steps; 100 by default)'),
    ...options,
  };
}

export function resolveSkipOnSpike(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedSkipOnSpikeSpec {
  const maxNorm = threshold(record.maxNorm, `${field}.maxNorm`);
  const p = normOrder(record.p, `${field}.p`);
  // The orders backends sum: the skip decision is certified from their error bounds.
  if (p !== 1 && p !== 2 && p !== Number.POSITIVE_INFINITY) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.p`,
      record.p,
      '1, 2 or "inf" (the orders a skip decision is certified for)',
    );
  }
  return { kind: 'skipOnSpike', maxNorm, p, ...options };
}
