import { ClipError, describeValue, invalid } from './errors.js';
import type {
  ClipSpec,
  CompatMode,
  NonFinitePolicy,
  PerExampleReduce,
  ResolvedAdaGcSpec,
  ResolvedAgcSpec,
  ResolvedAutoClipSpec,
  ResolvedBlockRmsSpec,
  ResolvedChainSpec,
  ResolvedGlobalNormSpec,
  ResolvedLossScaledSpec,
  ResolvedNormGroup,
  ResolvedNormGroupsSpec,
  ResolvedNormSpec,
  ResolvedPerExampleSpec,
  ResolvedSkipOnSpikeSpec,
  ResolvedSpec,
  ResolvedValueSpec,
  ResolvedZClipSpec,
  ZClipMode,
  ZClipOption,
} from './spec.js';

const KINDS = [
  'value',
  'norm',
  'globalNorm',
  'chain',
  'groups',
  'lossScaled',
  'agc',
  'blockRms',
  'perExample',
  'autoClip',
  'zClip',
  'adaGC',
  'skipOnSpike',
] as const;
const ZCLIP_MODES: readonly ZClipMode[] = ['zscore', 'percentile'];
const ZCLIP_OPTIONS: readonly ZClipOption[] = ['adaptiveScaling', 'mean'];
const REDUCTIONS: readonly PerExampleReduce[] = ['sum', 'mean', 'none'];
const POLICIES: readonly NonFinitePolicy[] = ['error', 'propagate', 'nanAll', 'skip', 'zero'];
const COMPAT_MODES: readonly CompatMode[] = ['exact', 'keras', 'pytorch', 'optax'];

const ALLOWED_KEYS: Record<(typeof KINDS)[number], readonly string[]> = {
  value: ['kind', 'min', 'max', 'nonFinite', 'compat'],
  norm: ['kind', 'maxNorm', 'p', 'axes', 'nonFinite', 'compat'],
  globalNorm: ['kind', 'maxNorm', 'p', 'nonFinite', 'compat'],
  chain: ['kind', 'steps', 'nonFinite', 'compat'],
  groups: ['kind', 'groups', 'rest', 'nonFinite', 'compat'],
  lossScaled: ['kind', 'lossScale', 'maxNorm', 'p', 'nonFinite', 'compat'],
  agc: ['kind', 'clipping', 'eps', 'axes', 'exclude', 'nonFinite', 'compat'],
  blockRms: ['kind', 'threshold', 'nonFinite', 'compat'],
  perExample: ['kind', 'maxNorm', 'p', 'reduce', 'nonFinite', 'compat'],
  autoClip: ['kind', 'percentile', 'window', 'nonFinite', 'compat'],
  zClip: [
    'kind',
    'alpha',
    'z',
    'warmup',
    'maxNorm',
    'eps',
    'mode',
    'clipOption',
    'clipFactor',
    'skipStatisticsOnSpike',
    'nonFinite',
    'compat',
  ],
  adaGC: ['kind', 'beta', 'absolute', 'relative', 'warmup', 'nonFinite', 'compat'],
  skipOnSpike: ['kind', 'maxNorm', 'p', 'nonFinite', 'compat'],
};

/**
 * Largest warm-up and window length: a history is kept in memory and in checkpoints, so a length
 * beyond any training run (10^9 steps) is a mistake worth naming rather than an allocation.
 */
export const MAX_HISTORY_LENGTH = 1_000_000_000;

interface Inherited {
  readonly nonFinite: NonFinitePolicy;
  readonly compat: CompatMode;
}

const DEFAULTS: Inherited = { nonFinite: 'error', compat: 'exact' };

/**
 * Largest finite norm order. Above about 1100 even the power-of-two pre-scaled power sums leave
 * float64's exponent range and the norm comes out as Infinity (zeroing the gradients); 1000 keeps
 * a margin, and the ∞-norm ("inf") is within a few ULP of any order this large anyway.
 */
export const MAX_NORM_ORDER = 1000;

/**
 * Deepest nesting of chains. Real chains are one or two levels deep; the limit turns a runaway
 * (or hostile) nesting into a clear error instead of a stack overflow anywhere that recurses.
 */
export const MAX_CHAIN_DEPTH = 64;

const NORM_ORDER_EXPECTED = `a number in (0, ${MAX_NORM_ORDER}] or "inf" (use "inf" for the max norm)`;

/**
 * Validates a spec (an object, or data parsed from JSON) and returns it with every default filled
 * in. Every problem is a `ClipError('INVALID_SPEC')` naming the field, the value and what was
 * expected. `field` is the name used for the root in messages.
 */
export function parseSpec(input: unknown, field = 'spec'): ResolvedSpec {
  return resolve(input, field, DEFAULTS, 0);
}

/**
 * Validates a norm order (`p`) wherever one is accepted — specs, `partialNorm`'s options, the
 * PyTorch adapter's `norm_type` — so every entry point has the same range. `undefined` is 2.
 */
export function parseNormOrder(value: unknown, field: string): number {
  return normOrder(value, field);
}

/**
 * Validates a non-finite policy given outside a spec (e.g. `partialNorm`'s `nonFinite` option).
 * `undefined` stays `undefined`, so callers keep their own default.
 */
export function parseNonFinitePolicy(value: unknown, field: string): NonFinitePolicy | undefined {
  return value === undefined ? undefined : oneOf(value, field, POLICIES, 'error');
}

/** Validates a compat mode given outside a spec (the option adapters'). `undefined` stays `undefined`. */
export function parseCompatMode(value: unknown, field: string): CompatMode | undefined {
  return value === undefined ? undefined : oneOf(value, field, COMPAT_MODES, 'exact');
}

/**
 * Validates a value-clip bound: a number, "Infinity" or "-Infinity". Bounds act as float32
 * values (`Math.fround`), so a finite bound that rounds to ±Infinity (|x| ≥ 2^128 · (1 - 2^-25),
 * e.g. 1e39) is an error rather than a silent infinite output.
 */
export function parseBound(value: unknown, field: string): number {
  return bound(value, field);
}

/** Parses JSON text into a resolved spec; malformed JSON is a `ClipError('INVALID_SPEC')` too. */
export function parseSpecJson(text: string, field = 'spec'): ResolvedSpec {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ClipError('INVALID_SPEC', `${field}: not valid JSON (${(cause as Error).message})`, {
      field,
      value: text,
      expected: 'a JSON object such as {"kind":"globalNorm","maxNorm":1}',
      cause,
    });
  }
  return parseSpec(data, field);
}

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

/**
 * A spec's own properties only: a field inherited through a prototype (`Object.create(base)`, a
 * polluted `Object.prototype`) is invisible to `Object.keys`, so it would escape the unknown-field
 * check; reading only own properties makes what is validated exactly what JSON would carry.
 */
function ownFields(record: object): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(record)) fields[key] = (record as Record<string, unknown>)[key];
  return fields;
}

function resolve(input: unknown, field: string, inherited: Inherited, depth: number): ResolvedSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('INVALID_SPEC', field, input, 'an object with a "kind" field');
  }
  const record = ownFields(input);
  const kind = record.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    const inheritedKind = kind === undefined && 'kind' in input;
    throw invalid(
      'INVALID_SPEC',
      `${field}.kind`,
      kind,
      `one of ${KINDS.map((k) => `"${k}"`).join(', ')}` +
        (inheritedKind ? ' as an own property (fields inherited through a prototype are ignored)' : ''),
    );
  }
  const typedKind = kind as (typeof KINDS)[number];
  for (const key of Object.keys(record)) {
    if (!ALLOWED_KEYS[typedKind].includes(key)) {
      const allowed = ALLOWED_KEYS[typedKind];
      const near = allowed.find((name) => name.toLowerCase() === key.toLowerCase());
      throw new ClipError(
        'INVALID_SPEC',
        `${field}.${key}: unknown field on a "${kind}" spec (value ${describeValue(record[key])}); ` +
          (near ? `did you mean "${near}"?` : `expected only ${allowed.join(', ')}`),
        { field: `${field}.${key}`, value: record[key], expected: `one of the fields ${allowed.join(', ')}` },
      );
    }
  }
  const options: Inherited = {
    nonFinite: oneOf(record.nonFinite, `${field}.nonFinite`, POLICIES, inherited.nonFinite),
    compat: oneOf(record.compat, `${field}.compat`, COMPAT_MODES, inherited.compat),
  };
  switch (typedKind) {
    case 'value':
      return resolveValue(record, field, options);
    case 'norm':
      return resolveNorm(record, field, options);
    case 'globalNorm':
      return resolveGlobalNorm(record, field, options);
    case 'chain':
      return resolveChain(record, field, options, depth);
    case 'agc':
      return resolveAgc(record, field, options);
    case 'lossScaled':
      return resolveLossScaled(record, field, options);
    case 'groups':
      return resolveGroups(record, field, options, depth);
    case 'blockRms':
      return resolveBlockRms(record, field, options);
    case 'perExample':
      return resolvePerExample(record, field, options);
    case 'autoClip':
      return resolveAutoClip(record, field, options);
    case 'zClip':
      return resolveZClip(record, field, options);
    case 'adaGC':
      return resolveAdaGc(record, field, options);
    case 'skipOnSpike':
      return resolveSkipOnSpike(record, field, options);
  }
}

function resolveValue(record: Record<string, unknown>, field: string, options: Inherited): ResolvedValueSpec {
  const min = bound(record.min, `${field}.min`);
  const max = bound(record.max, `${field}.max`);
  // min = +∞ (or max = -∞) would send every finite gradient to that infinity: never a clip.
  if (min === Number.POSITIVE_INFINITY) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.min`,
      record.min,
      'a number or "-Infinity" (a min of +Infinity maps every value to +Infinity)',
    );
  }
  if (max === Number.NEGATIVE_INFINITY) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.max`,
      record.max,
      'a number or "Infinity" (a max of -Infinity maps every value to -Infinity)',
    );
  }
  if (min > max) {
    throw new ClipError(
      'INVALID_SPEC',
      `${field}.min: got ${min}, which is greater than ${field}.max (${max}); expected min ≤ max`,
      { field: `${field}.min`, value: min, expected: `a number ≤ max (${max})` },
    );
  }
  return { kind: 'value', min, max, ...options };
}

function resolveNorm(record: Record<string, unknown>, field: string, options: Inherited): ResolvedNormSpec {
  const maxNorm = threshold(record.maxNorm, `${field}.maxNorm`);
  const p = normOrder(record.p, `${field}.p`);
  checkCompatOrder(p, options.compat, field);
  checkCompatThreshold(maxNorm, options.compat, `${field}.maxNorm`);
  const axes = record.axes === undefined ? undefined : axesList(record.axes, `${field}.axes`);
  return { kind: 'norm', maxNorm, p, axes, ...options };
}

/** A non-empty list of distinct integer axes (negative counts from the end). */
function axesList(raw: unknown, field: string): readonly number[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalid(
      'INVALID_SPEC',
      field,
      raw,
      'a non-empty array of integer axes (omit it for the whole tensor)',
    );
  }
  // An index loop, not forEach: forEach skips the holes of a sparse array such as [, 1].
  const seen = new Set<number>();
  for (let i = 0; i < raw.length; i++) {
    const axis: unknown = raw[i];
    if (typeof axis !== 'number' || !Number.isInteger(axis)) {
      throw invalid('INVALID_SPEC', `${field}[${i}]`, axis, 'an integer axis (negative counts from the end)');
    }
    if (seen.has(axis)) {
      throw invalid('INVALID_SPEC', `${field}[${i}]`, axis, 'each axis at most once');
    }
    seen.add(axis);
  }
  return [...seen];
}

function resolveGlobalNorm(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedGlobalNormSpec {
  const maxNorm = threshold(record.maxNorm, `${field}.maxNorm`);
  const p = normOrder(record.p, `${field}.p`);
  checkCompatOrder(p, options.compat, field);
  checkCompatThreshold(maxNorm, options.compat, `${field}.maxNorm`);
  return { kind: 'globalNorm', maxNorm, p, ...options };
}

function resolveChain(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
  depth: number,
): ResolvedChainSpec {
  if (depth >= MAX_CHAIN_DEPTH) {
    const expected = `chains nested at most ${MAX_CHAIN_DEPTH} deep (flatten the steps into one chain)`;
    throw new ClipError('INVALID_SPEC', `${field}: a chain nested ${depth + 1} deep, expected ${expected}`, {
      field,
      value: depth + 1,
      expected,
    });
  }
  const steps = record.steps;
  if (!Array.isArray(steps)) {
    throw invalid('INVALID_SPEC', `${field}.steps`, steps, 'an array of specs');
  }
  // An index loop, not map: map skips the holes of a sparse array, leaving holes in the result.
  const resolved: ResolvedSpec[] = [];
  for (let i = 0; i < steps.length; i++) {
    resolved.push(resolve(steps[i], `${field}.steps[${i}]`, options, depth + 1));
  }
  return { kind: 'chain', steps: resolved, ...options };
}

function resolveAgc(record: Record<string, unknown>, field: string, options: Inherited): ResolvedAgcSpec {
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

function resolveLossScaled(
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

function resolveGroups(
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

function resolvePerExample(
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

function resolveBlockRms(
  record: Record<string, unknown>,
  field: string,
  options: Inherited,
): ResolvedBlockRmsSpec {
  exactOnly(options, field, 'blockRms');
  return { kind: 'blockRms', threshold: threshold(record.threshold, `${field}.threshold`), ...options };
}

function resolveAutoClip(
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

function resolveZClip(record: Record<string, unknown>, field: string, options: Inherited): ResolvedZClipSpec {
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

function resolveAdaGc(record: Record<string, unknown>, field: string, options: Inherited): ResolvedAdaGcSpec {
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

function resolveSkipOnSpike(
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

/**
 * The adaptive kinds clip by gradclip's exact rule: their thresholds come from state, and the
 * compat modes reproduce fixed-threshold library formulas that have no adaptive counterpart.
 */
function exactOnly(options: Inherited, field: string, kind: string): void {
  if (options.compat === 'exact') return;
  throw invalid(
    'INVALID_SPEC',
    `${field}.compat`,
    options.compat,
    `"exact" for a "${kind}" spec (adaptive thresholds clip by the exact rule; a compat mode set on a chain is inherited, so set it on the chain's other steps instead)`,
  );
}

interface Range {
  readonly low: number;
  readonly high: number;
  readonly openLow?: boolean;
  readonly openHigh?: boolean;
  readonly expected: string;
}

/** A number in a range (both ends finite), or `fallback` when absent. */
function numberIn(value: unknown, field: string, fallback: number, range: Range): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    (range.openLow ? value <= range.low : value < range.low) ||
    (range.openHigh ? value >= range.high : value > range.high)
  ) {
    throw invalid('INVALID_SPEC', field, value, range.expected);
  }
  return value;
}

/** A positive integer up to {@link MAX_HISTORY_LENGTH}. */
function count(value: unknown, field: string, expected: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_HISTORY_LENGTH) {
    throw invalid('INVALID_SPEC', field, value, `${expected}, at most ${MAX_HISTORY_LENGTH}`);
  }
  return value;
}

function flag(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid('INVALID_SPEC', field, value, 'true or false');
  return value;
}

function checkCompatOrder(p: number, compat: CompatMode, field: string): void {
  if ((compat === 'keras' || compat === 'optax') && p !== 2) {
    throw invalid(
      'INVALID_SPEC',
      `${field}.p`,
      p,
      `2 with compat "${compat}" (that library clips by the L2 norm only; use compat "exact" or "pytorch" for other orders)`,
    );
  }
}

/**
 * The compat modes compute with the threshold as a float32 number, like the libraries they copy:
 * a positive threshold that rounds to 0 (below ~7e-46), or a finite one that rounds to ∞, would
 * meet 0/0 or ∞/∞ there and turn finite gradients into NaN. 0 and "Infinity" keep their meaning.
 */
function checkCompatThreshold(maxNorm: number, compat: CompatMode, field: string): void {
  if (compat === 'exact' || maxNorm === 0 || maxNorm === Number.POSITIVE_INFINITY) return;
  const rounded = Math.fround(maxNorm);
  if (rounded === 0 || !Number.isFinite(rounded)) {
    throw invalid(
      'INVALID_SPEC',
      field,
      maxNorm,
      `0, "Infinity", or a number that stays positive and finite in float32 (compat "${compat}" computes in float32; it must round to a float32 in [1.4e-45, 3.4028234663852886e38])`,
    );
  }
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid('INVALID_SPEC', field, value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return value as T;
}

function threshold(value: unknown, field: string): number {
  const expected = 'a number ≥ 0, or "Infinity" for no clipping';
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw invalid('INVALID_SPEC', field, value, expected);
  }
  return value;
}

function bound(value: unknown, field: string): number {
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw invalid('INVALID_SPEC', field, value, 'a number, "Infinity" or "-Infinity"');
  }
  if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
    throw invalid(
      'INVALID_SPEC',
      field,
      value,
      'a number within the float32 range (|x| ≤ 3.4028234663852886e38), or "Infinity" / "-Infinity" for no bound (bounds act as float32 values)',
    );
  }
  return value;
}

function normOrder(value: unknown, field: string): number {
  if (value === undefined) return 2;
  if (value === 'inf' || value === 'Infinity' || value === Number.POSITIVE_INFINITY) {
    return Number.POSITIVE_INFINITY;
  }
  if (typeof value !== 'number' || !(value > 0 && value <= MAX_NORM_ORDER)) {
    throw invalid('INVALID_SPEC', field, value, NORM_ORDER_EXPECTED);
  }
  return value;
}
