/**
 * fast-check arbitraries for the hardening suite: specs and gradients that are wrong in every way
 * an audit found (wrong types, NaN, negative, ±Infinity, strings, nested junk, prototype tricks,
 * huge and sparse arrays), and valid ones that must clip to the oracle's answer.
 */
import fc from 'fast-check';
import { MAX_CHAIN_DEPTH } from '../parse-spec.js';
import { elementCount } from '../slice-layout.js';

/** Gradients as host data, before a backend turns them into its own tensors. */
export interface HostGradient {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

const KINDS = ['value', 'norm', 'globalNorm', 'chain'];

/** Values that are never a number, a threshold string or a spec. */
const junk = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, '', '1', 'NaN', 'inf ', '-inf', 'Infinity!', 1n, [], {}, [1]),
  fc.string({ maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

const badThreshold = fc.oneof(
  junk,
  fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY, '-Infinity', 'inf', -0.5, -Number.MIN_VALUE),
  fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
);

const badOrder = fc.oneof(
  junk,
  fc.constantFrom(0, -0, Number.NaN, Number.NEGATIVE_INFINITY, -1, 1000.000001, 1100, 1200, 1e308, '2'),
  fc.double({ min: 1000.0001, max: 1e300, noNaN: true }),
  fc.double({ max: 0, noNaN: true }),
);

/** A finite number that rounds to ±Infinity in float32. */
const beyondFloat32 = fc
  .double({ min: 3.4028235677973366e38, max: 1e300, noNaN: true })
  .chain((x) => fc.constantFrom(x, -x));

const badBound = fc.oneof(junk, fc.constantFrom(Number.NaN, 'NaN', '+Infinity'), beyondFloat32);

const badAxes = fc.oneof(
  junk.filter((value) => !Array.isArray(value) || value.length === 0 || typeof value[0] !== 'number'),
  fc.constant([]),
  fc.constantFrom([0, 0], [1.5], [Number.NaN], ['0'], [null], [-1, -1]),
  // biome-ignore lint/suspicious/noSparseArray: a hole is one of the bad inputs
  fc.constant([, 0]),
  // A huge array with one bad entry at the end: validation must stay linear.
  fc.constant([...Array.from({ length: 50_000 }, (_, i) => i), 0.5]),
);

const badPolicy = fc.oneof(junk, fc.constantFrom('bogus', 'Error', 'nan', 'ignore'));
const badCompat = fc.oneof(junk, fc.constantFrom('tf', 'torch', 'Exact'));

type Spec = Record<string, unknown>;

/** Valid specs by kind, to be spoiled one field at a time. */
const baseSpecs: Record<string, Spec> = {
  value: { kind: 'value', min: -1, max: 1 },
  norm: { kind: 'norm', maxNorm: 1, p: 2 },
  globalNorm: { kind: 'globalNorm', maxNorm: 1 },
  chain: { kind: 'chain', steps: [{ kind: 'globalNorm', maxNorm: 1 }] },
};

const spoiled = <V>(kind: keyof typeof baseSpecs, field: string, bad: fc.Arbitrary<V>) =>
  bad.map((value) => ({ ...baseSpecs[kind], [field]: value }));

/** A nested chain `depth` deep around a valid leaf. */
export function nestedChain(depth: number): Spec {
  let spec: Spec = { kind: 'value', min: -1, max: 1 };
  for (let i = 0; i < depth; i++) spec = { kind: 'chain', steps: [spec] };
  return spec;
}

/** An own property named `key` (works for "__proto__" too, which an object literal would not). */
function withOwn(spec: Spec, key: string, value: unknown): Spec {
  const copy = { ...spec };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

const ALL_KEYS = ['kind', 'min', 'max', 'maxNorm', 'p', 'axes', 'steps', 'nonFinite', 'compat'];

/** Every way to get a spec wrong; each must give `ClipError('INVALID_SPEC')`. */
export const badSpec: fc.Arbitrary<unknown> = fc.oneof(
  // Not an object with a known kind at all.
  fc.oneof(junk, fc.constantFrom(undefined, 0, Number.NaN, [baseSpecs.globalNorm])),
  fc
    .anything({ maxDepth: 2 })
    .filter(
      (value) =>
        typeof value !== 'object' ||
        value === null ||
        !KINDS.includes((value as Spec).kind as string) ||
        Object.keys(value).length === 0,
    ),
  fc
    .constantFrom('value', 'norm', 'globalNorm', 'chain')
    .chain((kind) =>
      spoiled(kind, 'kind', fc.constantFrom('clipnorm', 'Value', 'global_norm', 'globalnorm', '', null)),
    ),
  spoiled('globalNorm', 'maxNorm', badThreshold),
  spoiled('norm', 'maxNorm', badThreshold),
  spoiled('globalNorm', 'p', badOrder),
  spoiled('norm', 'p', badOrder),
  spoiled('norm', 'axes', badAxes),
  spoiled('value', 'min', badBound),
  spoiled('value', 'max', badBound),
  fc.constantFrom(
    { kind: 'value', min: 1, max: -1 },
    { kind: 'value', min: 'Infinity', max: 'Infinity' },
    { kind: 'value', min: '-Infinity', max: '-Infinity' },
    { kind: 'value', min: 0, max: 1e39 },
    { kind: 'globalNorm', maxNorm: 1, p: 3, compat: 'keras' },
    { kind: 'norm', maxNorm: 1, p: 'inf', compat: 'optax' },
    { kind: 'chain', compat: 'keras', steps: [{ kind: 'globalNorm', maxNorm: 1, p: 1 }] },
  ),
  fc
    .constantFrom('value', 'norm', 'globalNorm', 'chain')
    .chain((kind) => fc.oneof(spoiled(kind, 'nonFinite', badPolicy), spoiled(kind, 'compat', badCompat))),
  // Unknown fields, including "__proto__" and ones that are valid on another kind.
  fc
    .tuple(
      fc.constantFrom('value', 'norm', 'globalNorm', 'chain'),
      fc.oneof(fc.constantFrom('__proto__', 'constructor', 'maxnorm', 'clipnorm', ...ALL_KEYS), fc.string()),
      fc.anything({ maxDepth: 1 }),
    )
    .filter(([kind, key]) => !Object.keys(baseSpecs[kind] as Spec).includes(key) && !isAllowed(kind, key))
    .map(([kind, key, value]) => withOwn(baseSpecs[kind] as Spec, key, value)),
  // Prototype tricks: a field (or the whole spec) only inherited is not a field.
  fc
    .constantFrom('value', 'norm', 'globalNorm', 'chain')
    .map((kind) => Object.create(baseSpecs[kind] as Spec)),
  fc.constant(Object.assign(Object.create({ maxNorm: 1 }), { kind: 'globalNorm' })),
  fc.constant(Object.assign(Object.create({ steps: [] }), { kind: 'chain' })),
  // Chains: bad steps, sparse steps, runaway nesting, a long chain with one bad step at the end.
  spoiled(
    'chain',
    'steps',
    fc.oneof(
      junk.filter((value) => !Array.isArray(value)),
      fc.constant(null),
    ),
  ),
  fc.constant({ kind: 'chain', steps: [{ kind: 'globalNorm', maxNorm: -1 }] }),
  // biome-ignore lint/suspicious/noSparseArray: a hole is one of the bad inputs
  fc.constant({ kind: 'chain', steps: [, { kind: 'globalNorm', maxNorm: 1 }] }),
  fc.integer({ min: MAX_CHAIN_DEPTH + 1, max: 5000 }).map(nestedChain),
  fc.constant({
    kind: 'chain',
    steps: [...Array.from({ length: 2000 }, () => baseSpecs.value), { kind: 'value', min: 1 }],
  }),
);

const ALLOWED: Record<string, readonly string[]> = {
  value: ['kind', 'min', 'max', 'nonFinite', 'compat'],
  norm: ['kind', 'maxNorm', 'p', 'axes', 'nonFinite', 'compat'],
  globalNorm: ['kind', 'maxNorm', 'p', 'nonFinite', 'compat'],
  chain: ['kind', 'steps', 'nonFinite', 'compat'],
};

function isAllowed(kind: string, key: string): boolean {
  return (ALLOWED[kind] ?? []).includes(key);
}

/** A bad gradient entry, as the caller would pass it (never a tensor of any backend). */
const badEntry: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, undefined, 0, 1.5, Number.NaN, 'w', true, [], [1, 2], {}),
  fc.constant(new Map([['w', 1]])),
  fc.constant(new Float32Array([1, 2])),
  fc.constantFrom<unknown>(
    { shape: [3], values: new Float32Array(2) },
    { shape: [2], values: [1, 2] },
    { shape: [2], values: new Float64Array(2) },
    { shape: [2], values: null },
    { shape: null, values: new Float32Array(2) },
    { shape: [-2], values: new Float32Array(0) },
    { shape: [Number.NaN], values: new Float32Array(0) },
    { shape: [0.5, 4], values: new Float32Array(2) },
    { shape: '2', values: new Float32Array(2) },
    { values: new Float32Array(2) },
  ),
);

/**
 * Bad gradient containers built around `good` (valid tensors of the backend under test): every
 * one must give `ClipError('INVALID_GRADIENTS')`.
 */
export function badGradients<T>(good: readonly T[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(null, undefined, 0, 42, 'gradients', true, Number.NaN),
    fc.constant(new Map(good.map((tensor, i) => [`w${i}`, tensor]))),
    fc.constant(new Set(good)),
    fc.constant(new Float32Array([1, 2, 3])),
    // A list or a name → tensor map with one bad entry among the good ones.
    fc.tuple(badEntry, fc.nat(good.length)).map(([entry, at]) => {
      const list: unknown[] = [...good];
      list.splice(at, 0, entry);
      return list;
    }),
    fc.tuple(badEntry, fc.string({ maxLength: 8 })).map(([entry, key]) => {
      const record: Record<string, unknown> = {};
      good.forEach((tensor, i) => {
        record[`w${i}`] = tensor;
      });
      Object.defineProperty(record, key, { value: entry, enumerable: true, configurable: true });
      return record;
    }),
    // A hole in a sparse list.
    fc.nat(good.length).map((at) => {
      const list: unknown[] = [...good];
      list.splice(at, 0, undefined);
      delete list[at];
      return list;
    }),
  );
}

/** A float32 value, mostly finite, sometimes NaN, ±Infinity, -0, subnormal or huge. */
const float32Value = (allowNonFinite: boolean) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true, min: -4, max: 4 }) },
    { weight: 2, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(0, -0, 1.401298464324817e-45, -1.1754942e-38, 3.4028234663852886e38),
    },
    {
      weight: allowNonFinite ? 1 : 0,
      arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    },
  );

/** One to three small tensors of rank 0 to 2, non-finite values in about one run out of four. */
export const hostGradients: fc.Arbitrary<HostGradient[]> = fc.boolean().chain((nonFinite) =>
  fc.array(
    fc
      .oneof(
        fc.constant<number[]>([]),
        fc.integer({ min: 0, max: 8 }).map((n) => [n]),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
      )
      .chain((shape) => {
        const size = elementCount(shape);
        return fc
          .array(float32Value(nonFinite), { minLength: size, maxLength: size })
          .map((values) => ({ shape, values: new Float32Array(values) }));
      }),
    { minLength: 1, maxLength: 3 },
  ),
);

const threshold = fc.oneof(
  fc.constantFrom<number | 'Infinity'>(0, 'Infinity', 1, 0.5, 1e-30, 1e30),
  fc.double({ min: 0, max: 1e40, noNaN: true }),
  fc.double({ min: 1e-40, max: 10, noNaN: true }),
);
const order = fc.oneof(
  fc.constantFrom<number | 'inf'>(1, 2, 'inf', 3, 0.5, 1000, 999.9),
  fc.double({ min: 0.01, max: 1000, noNaN: true }),
);
const policy = fc.constantFrom(undefined, 'error', 'propagate', 'nanAll', 'skip', 'zero');
const float32Bound = fc.oneof(
  fc.constantFrom<number | 'Infinity' | '-Infinity'>('-Infinity', 'Infinity', 0, -0),
  fc.double({ min: -3.4e38, max: 3.4e38, noNaN: true }),
  fc.double({ min: -4, max: 4, noNaN: true }),
);

const inFloat32 = (threshold: number | 'Infinity') =>
  typeof threshold !== 'number' ||
  threshold === 0 ||
  (Math.fround(threshold) > 0 && Number.isFinite(Math.fround(threshold)));

const rank = (bound: number | string) =>
  bound === '-Infinity' ? Number.NEGATIVE_INFINITY : bound === 'Infinity' ? Number.POSITIVE_INFINITY : bound;

/** A valid leaf spec (value, norm or globalNorm) with any valid options. */
const validLeaf: fc.Arbitrary<Spec> = fc.oneof(
  fc
    .tuple(float32Bound, float32Bound, policy)
    .filter(([a, b]) => rank(a) !== Number.POSITIVE_INFINITY || rank(b) !== Number.POSITIVE_INFINITY)
    .filter(([a, b]) => rank(a) !== Number.NEGATIVE_INFINITY || rank(b) !== Number.NEGATIVE_INFINITY)
    .map(([a, b, nonFinite]) => {
      const [min, max] = rank(a) <= rank(b) ? [a, b] : [b, a];
      return { kind: 'value', min, max, ...(nonFinite ? { nonFinite } : {}) };
    }),
  fc
    .tuple(
      fc.constantFrom('norm', 'globalNorm'),
      threshold,
      order,
      policy,
      fc.constantFrom(undefined, 'exact', 'pytorch', 'keras', 'optax'),
      fc.boolean(),
    )
    .map(([kind, maxNorm, p, nonFinite, compat, axes]) => ({
      kind,
      // Compat modes compute in float32: their thresholds must stay positive and finite there.
      maxNorm: compat && compat !== 'exact' && !inFloat32(maxNorm) ? 1 : maxNorm,
      // Keras and Optax are L2-only.
      p: compat === 'keras' || compat === 'optax' ? 2 : p,
      ...(nonFinite ? { nonFinite } : {}),
      ...(compat ? { compat } : {}),
      ...(kind === 'norm' && axes ? { axes: [-1] } : {}),
    })),
);

/**
 * A valid spec: a leaf, or a chain of one to three leaves. (Empty chains are left out until the
 * empty-chain non-finite fix of issue 12 #8 lands in run-strategy.)
 */
export const validSpec: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 3, arbitrary: validLeaf },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(validLeaf, { minLength: 0, maxLength: 3 }), policy)
      .map(([steps, nonFinite]) => ({ kind: 'chain', steps, ...(nonFinite ? { nonFinite } : {}) })),
  },
);
