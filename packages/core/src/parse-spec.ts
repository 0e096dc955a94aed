import { ClipError, describeValue, invalid } from './errors.js';
import {
  resolveAdaGc,
  resolveAgc,
  resolveAutoClip,
  resolveBlockRms,
  resolveGroups,
  resolveLossScaled,
  resolvePerExample,
  resolveSkipOnSpike,
  resolveZClip,
} from './parse-adaptive-spec.js';
import type {
  CompatMode,
  NonFinitePolicy,
  ResolvedChainSpec,
  ResolvedGlobalNormSpec,
  ResolvedNormSpec,
  ResolvedSpec,
  ResolvedValueSpec,
} from './spec.js';
import {
  axesList,
  bound,
  COMPAT_MODES,
  checkCompatOrder,
  checkCompatThreshold,
  type Inherited,
  normOrder,
  oneOf,
  ownFields,
  POLICIES,
  threshold,
} from './spec-fields.js';

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

const DEFAULTS: Inherited = { nonFinite: 'error', compat: 'exact' };

/**
 * Deepest nesting of chains. Real chains are one or two levels deep; the limit turns a runaway
 * (or hostile) nesting into a clear error instead of a stack overflow anywhere that recurses.
 */
export const MAX_CHAIN_DEPTH = 64;

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

export function resolve(input: unknown, field: string, inherited: Inherited, depth: number): ResolvedSpec {
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
