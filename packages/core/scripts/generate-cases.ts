/**
 * Generates the conformance vectors in src/conformance/cases/*.json from the definitions below,
 * running each through the float64 reference backend. Run `pnpm --filter @gradclip/core
 * generate:cases`, then review the diff like code: a changed expected value is a changed contract.
 *
 * The `kinds/*` cases (blockRms, skipOnSpike, lossScaled, groups, perExample) are recomputed from
 * their inputs by an independent implementation, scripts/generate-composite-fixtures.py, into
 * fixtures/composite/kit-kinds.json (one entry per case id); src/strategies/composite-fixtures.test.ts
 * checks kinds.json's expected outputs and reports against it. After adding or changing a kinds
 * case, rerun that script too (`/usr/bin/python3 scripts/generate-composite-fixtures.py`).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendCapability } from '../src/backend.js';
import { clip } from '../src/clipper.js';
import type { CaseInput, CaseOutput, CaseReport, ConformanceCase } from '../src/conformance/case-format.js';
import { bitsHash } from '../src/conformance/case-format.js';
import { caseInputValues } from '../src/conformance/case-inputs.js';
import { ClipError } from '../src/errors.js';
import { float32ToJson, type JsonFloat } from '../src/gradient-json.js';
import { createReferenceBackend } from '../src/reference/reference-backend.js';
import type { ClipReport } from '../src/report.js';

/** Outputs with more elements than this are stored as a hash. */
const EXPLICIT_LIMIT = 4096;
/**
 * So are all outputs of a case whose outputs hold more elements than this in all (thousands of
 * small tensors are no more reviewable value by value than one large one, and the kit ships in
 * every install of @gradclip/core).
 */
const CASE_EXPLICIT_LIMIT = 8192;

interface Definition {
  readonly id: string;
  readonly description: string;
  readonly spec: Record<string, unknown>;
  readonly input: readonly CaseInput[];
  readonly requires?: readonly BackendCapability[];
}

const t = (name: string, shape: readonly number[], values: readonly JsonFloat[]): CaseInput => ({
  name,
  shape,
  values,
});
const v = (name: string, values: readonly JsonFloat[]): CaseInput => t(name, [values.length], values);
const normal = (name: string, shape: readonly number[], seed: number, scale = 1): CaseInput => ({
  name,
  shape,
  generate: { kind: 'normal', seed, scale },
});
const f32 = (x: number) => Math.fround(x);
const LARGE = 2 ** 24 + 3;

const SEED = [v('w', [0.9, 100])];
const MIXED = [t('dense/kernel', [2, 3], [0.5, -1.25, 3, -0.75, 2, 0.125]), v('dense/bias', [-4, 0.25, 1.5])];
const WITH_NAN = [v('a', [1, 2, 3]), v('b', [4, 'NaN', 6, 'NaN'])];
const WITH_INF = [v('a', [1, -2, 3]), v('b', [4, 'Infinity', 'NaN', '-Infinity'])];
const WITH_POS_INF = [v('a', [1, -2, 3]), v('b', [4, 'Infinity', -5])];
const SPECIALS = v('s', [
  0,
  '-0',
  1e-45,
  -1e-45,
  1.1754942e-38,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  2.5,
]);

const value: Definition[] = [
  {
    id: 'value/keras-seed',
    description: 'clipvalue 1.0 on [0.9, 100.0] gives [0.9, 1.0] (the seed example)',
    spec: { kind: 'value', min: -1, max: 1 },
    input: SEED,
  },
  {
    id: 'value/asymmetric',
    description: 'asymmetric bounds clamp each side to its own bound',
    spec: { kind: 'value', min: -0.5, max: 2 },
    input: MIXED,
  },
  {
    id: 'value/within-bounds-identity',
    description: 'values inside the bounds come back unchanged and clipped is false',
    spec: { kind: 'value', min: -10, max: 10 },
    input: MIXED,
  },
  {
    id: 'value/infinite-bounds-identity',
    description: '±Infinity bounds are the identity',
    spec: { kind: 'value', min: '-Infinity', max: 'Infinity' },
    input: [SPECIALS],
  },
  {
    id: 'value/bounds-rounded-to-float32',
    description: 'bounds that are not float32 values are rounded once (0.1 → 0.100000001)',
    spec: { kind: 'value', min: -0.1, max: 0.1 },
    input: [v('g', [0.5, -0.5, 0.1, -0.1, f32(0.1), 0.05])],
  },
  {
    id: 'value/min-equals-max',
    description: 'min = max sets every finite value to it; NaN stays NaN',
    spec: { kind: 'value', min: 0.5, max: 0.5, nonFinite: 'propagate' },
    input: [v('g', [-3, 0, 0.5, 7, 'NaN'])],
  },
  {
    id: 'value/negative-zero-kept',
    description: '-0 stays -0 against a bound of 0 (min(max(g, 0), ·) must not turn it into +0)',
    spec: { kind: 'value', min: 0, max: 1 },
    input: [v('g', ['-0', 0, -2, 0.5, 3])],
  },
  {
    id: 'value/negative-zero-bound',
    description:
      'bounds of -1e-46 are float32 -0 (JSON cannot write -0): values above and below become -0, ±0 stay; a -0 bound must not act as +0',
    spec: { kind: 'value', min: -1e-46, max: -1e-46, nonFinite: 'propagate' },
    input: [v('g', [0.5, -1, 0, '-0', 3, 'NaN'])],
  },
  {
    id: 'value/nan-propagates',
    description: 'with nonFinite "propagate" NaN stays NaN and infinities clamp to the bounds',
    spec: { kind: 'value', min: -1, max: 1, nonFinite: 'propagate' },
    input: WITH_INF,
  },
  {
    id: 'value/nan-error',
    description: 'the default policy "error" names the tensor and the first bad index',
    spec: { kind: 'value', min: -1, max: 1 },
    input: WITH_NAN,
  },
  {
    id: 'value/nan-all',
    description: 'nonFinite "nanAll" turns every element of every tensor into NaN',
    spec: { kind: 'value', min: -1, max: 1, nonFinite: 'nanAll' },
    input: WITH_INF,
  },
  {
    id: 'value/skip',
    description: 'nonFinite "skip" returns the gradients unchanged with skipped = true',
    spec: { kind: 'value', min: -1, max: 1, nonFinite: 'skip' },
    input: WITH_INF,
  },
  {
    id: 'value/zero',
    description: 'nonFinite "zero" replaces NaN and ±Infinity by 0 before clamping',
    spec: { kind: 'value', min: -1, max: 1, nonFinite: 'zero' },
    input: WITH_INF,
  },
  {
    id: 'value/specials',
    description: 'subnormals, ±0, float32 extremes against small bounds',
    spec: { kind: 'value', min: -1, max: 1 },
    input: [SPECIALS],
  },
  {
    id: 'value/scalar-and-empty',
    description: 'a rank-0 tensor and an empty tensor',
    spec: { kind: 'value', min: -1, max: 1 },
    input: [t('scalar', [], [5]), t('empty', [0], [])],
  },
  {
    id: 'value/large',
    description: 'a tensor past 2^24 elements',
    spec: { kind: 'value', min: -1.5, max: 1.5 },
    input: [normal('big', [LARGE], 11)],
    requires: ['largeTensors'],
  },
  {
    id: 'value/min-greater-than-max',
    description: 'min > max is an INVALID_SPEC error, not TF\'s "all min" nor PyTorch\'s "all max"',
    spec: { kind: 'value', min: 1, max: -1 },
    input: SEED,
  },
  {
    id: 'value/nan-bound',
    description: 'a NaN bound is an INVALID_SPEC error',
    spec: { kind: 'value', min: 'NaN', max: 1 },
    input: SEED,
  },
];

const norm: Definition[] = [
  {
    id: 'norm/keras-seed',
    description: 'clipnorm 1.0 on [0.9, 100.0] gives [0.00899964, 0.9999595] (the seed example)',
    spec: { kind: 'norm', maxNorm: 1 },
    input: SEED,
  },
  {
    id: 'norm/per-tensor-independent',
    description: 'each tensor is clipped by its own norm; a small tensor is left alone',
    spec: { kind: 'norm', maxNorm: 2 },
    input: MIXED,
  },
  {
    id: 'norm/below-threshold-identity',
    description: 'below the threshold nothing is multiplied: bit-for-bit identity',
    spec: { kind: 'norm', maxNorm: 100 },
    input: MIXED,
  },
  {
    id: 'norm/exactly-at-threshold',
    description: '‖[3, 4]‖ = 5 with maxNorm 5 is not clipped (n ≤ c is the identity)',
    spec: { kind: 'norm', maxNorm: 5 },
    input: [v('g', [3, 4])],
  },
  {
    id: 'norm/just-below-threshold',
    description: '‖[3, 4]‖ = 5 with maxNorm 5.000001 (n = c·(1 − 2e-7)) is not clipped: identity',
    spec: { kind: 'norm', maxNorm: 5.000001 },
    input: [v('g', [3, 4])],
  },
  {
    id: 'norm/just-above-threshold',
    description: '‖[3, 4]‖ = 5 with maxNorm 4.999999 is clipped by fround(c / n)',
    spec: { kind: 'norm', maxNorm: 4.999999 },
    input: [v('g', [3, 4])],
  },
  {
    id: 'norm/zero-gradients',
    description: 'all-zero gradients stay zero (no 0/0)',
    spec: { kind: 'norm', maxNorm: 1 },
    input: [v('g', [0, '-0', 0])],
  },
  {
    id: 'norm/zero-threshold',
    description: 'maxNorm 0 gives zeros (signs kept), never NaN, also on zero gradients',
    spec: { kind: 'norm', maxNorm: 0 },
    input: [v('g', [1, -2, 3]), v('z', [0, '-0'])],
  },
  {
    id: 'norm/infinite-threshold',
    description: 'maxNorm "Infinity" is the exact identity (TF gave NaN)',
    spec: { kind: 'norm', maxNorm: 'Infinity' },
    input: MIXED,
  },
  {
    id: 'norm/p1',
    description: 'L1 norm per tensor',
    spec: { kind: 'norm', maxNorm: 2, p: 1 },
    input: MIXED,
  },
  {
    id: 'norm/p-inf',
    description: 'max-abs norm per tensor',
    spec: { kind: 'norm', maxNorm: 1, p: 'inf' },
    input: MIXED,
  },
  {
    id: 'norm/p3',
    description: 'a general order, p = 3',
    spec: { kind: 'norm', maxNorm: 1, p: 3 },
    input: MIXED,
    requires: ['generalP'],
  },
  {
    id: 'norm/p-half',
    description: 'an order below 1, p = 0.5',
    spec: { kind: 'norm', maxNorm: 1, p: 0.5 },
    input: MIXED,
    requires: ['generalP'],
  },
  {
    id: 'norm/p12-huge',
    description:
      'p = 12 with values near 1e30: Σ|g|^12 overflows float64 and must be rescaled, not turned into zeros',
    spec: { kind: 'norm', maxNorm: 1, p: 12 },
    input: [v('g', [1e30, -2e30, 5e29])],
    requires: ['generalP'],
  },
  {
    id: 'norm/p16-tiny',
    description: 'p = 16 with values near 1e-25: Σ|g|^16 underflows float64 and must be rescaled',
    spec: { kind: 'norm', maxNorm: 1e-26, p: 16 },
    input: [v('g', [1e-25, -3e-25, 2e-25])],
    requires: ['generalP'],
  },
  {
    id: 'norm/axes-rows',
    description: 'axes [1]: one norm per row, as tf.clip_by_norm(t, c, axes=[1])',
    spec: { kind: 'norm', maxNorm: 5, axes: [1] },
    input: [t('m', [3, 2], [3, 4, 6, 8, 0.3, 0.4])],
    requires: ['axes'],
  },
  {
    id: 'norm/axes-columns-negative',
    description: 'axes [-2]: one norm per column',
    spec: { kind: 'norm', maxNorm: 1, axes: [-2] },
    input: [t('m', [2, 3], [3, 0.1, -1, 4, 0.2, 1])],
    requires: ['axes'],
  },
  {
    id: 'norm/axes-3d',
    description: 'axes [0, 2] of a rank-3 tensor: one norm per middle index',
    spec: { kind: 'norm', maxNorm: 1, axes: [0, 2] },
    input: [normal('k', [3, 4, 5], 7, 0.5)],
    requires: ['axes'],
  },
  {
    id: 'norm/axes-out-of-range',
    description: 'an axis the tensor lacks is a SHAPE_MISMATCH error',
    spec: { kind: 'norm', maxNorm: 1, axes: [2] },
    input: [t('m', [2, 2], [1, 2, 3, 4])],
    requires: ['axes'],
  },
  {
    id: 'norm/float32-square-overflow',
    description: '100 × 1e20: squares overflow float32 (PyTorch #46849 zeroed them); float64 clips correctly',
    spec: { kind: 'norm', maxNorm: 1 },
    input: [{ name: 'g', shape: [100], generate: { kind: 'constant', value: 1e20 } }],
  },
  {
    id: 'norm/near-float32-max',
    description: 'values near the float32 maximum',
    spec: { kind: 'norm', maxNorm: 10 },
    input: [v('g', [3.4028234663852886e38, -3e38, 1])],
  },
  {
    id: 'norm/subnormals',
    description: 'a tensor of subnormals clipped to a subnormal threshold',
    spec: { kind: 'norm', maxNorm: 1e-45 },
    input: [v('g', [1e-45, -3e-45, 4e-45, 1e-44])],
  },
  {
    id: 'norm/propagate-inf',
    description:
      '"propagate": an infinite norm zeroes finite entries and makes infinities NaN (PyTorch result), other tensors untouched',
    spec: { kind: 'norm', maxNorm: 1, nonFinite: 'propagate' },
    input: WITH_POS_INF,
  },
  {
    id: 'norm/propagate-nan',
    description: '"propagate": a NaN norm makes that tensor NaN',
    spec: { kind: 'norm', maxNorm: 1, nonFinite: 'propagate' },
    input: WITH_NAN,
  },
  {
    id: 'norm/error',
    description: 'the default policy names the tensor and first bad index',
    spec: { kind: 'norm', maxNorm: 1 },
    input: WITH_INF,
  },
  {
    id: 'norm/nan-all',
    description: '"nanAll" turns everything NaN',
    spec: { kind: 'norm', maxNorm: 1, nonFinite: 'nanAll' },
    input: WITH_NAN,
  },
  {
    id: 'norm/skip',
    description: '"skip" leaves everything unchanged',
    spec: { kind: 'norm', maxNorm: 1, nonFinite: 'skip' },
    input: WITH_NAN,
  },
  {
    id: 'norm/zero',
    description: '"zero" replaces non-finite entries by 0 before the norm',
    spec: { kind: 'norm', maxNorm: 1, nonFinite: 'zero' },
    input: WITH_INF,
  },
  {
    id: 'norm/compat-keras',
    description: 'Keras/TF clip_by_norm: t·c / max(n, c), element by element, even below the threshold',
    spec: { kind: 'norm', maxNorm: 1.7, compat: 'keras' },
    input: [...MIXED, v('small', [0.3, -0.7, 0.1])],
  },
  {
    id: 'norm/compat-pytorch',
    description: 'PyTorch per tensor: g · min(c/(n + 1e-6), 1)',
    spec: { kind: 'norm', maxNorm: 1, compat: 'pytorch' },
    input: [...MIXED, v('at', [0.6, 0.8])],
  },
  {
    id: 'norm/compat-optax',
    description: 'Optax: strict n < c; at n = c the clip branch (g/n)·c runs',
    spec: { kind: 'norm', maxNorm: 5, compat: 'optax' },
    input: [v('at', [3, 4]), v('above', [30, 40])],
  },
  {
    id: 'norm/odd-length',
    description: '1001 elements (odd lengths break naive vectorised reductions)',
    spec: { kind: 'norm', maxNorm: 3 },
    input: [normal('g', [1001], 3)],
  },
  {
    id: 'norm/one-element',
    description: 'a single element',
    spec: { kind: 'norm', maxNorm: 0.5 },
    input: [v('g', [-2])],
  },
  {
    id: 'norm/large',
    description: 'a tensor past 2^24 elements',
    spec: { kind: 'norm', maxNorm: 100 },
    input: [normal('big', [LARGE], 12, 0.1)],
    requires: ['largeTensors'],
  },
  {
    id: 'norm/negative-threshold',
    description: 'a negative maxNorm is INVALID_SPEC (PyTorch and Optax flip the sign)',
    spec: { kind: 'norm', maxNorm: -1 },
    input: SEED,
  },
];

const globalNorm: Definition[] = [
  {
    id: 'globalNorm/keras-seed',
    description: 'global_clipnorm 1.0 on [0.9, 100.0]',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: SEED,
  },
  {
    id: 'globalNorm/two-tensors',
    description: 'one scale for all tensors',
    spec: { kind: 'globalNorm', maxNorm: 2 },
    input: MIXED,
  },
  {
    id: 'globalNorm/below-threshold-identity',
    description: 'below the threshold: bit-for-bit identity, no multiply',
    spec: { kind: 'globalNorm', maxNorm: 10 },
    input: MIXED,
  },
  {
    id: 'globalNorm/exactly-at-threshold',
    description: '[3] and [4]: global norm exactly 5 with maxNorm 5 is not clipped',
    spec: { kind: 'globalNorm', maxNorm: 5 },
    input: [v('a', [3]), v('b', [4])],
  },
  {
    id: 'globalNorm/just-below-threshold',
    description: '‖[3], [4]‖ = 5 with maxNorm 5.00001 (n = c·(1 − 2e-6)) is not clipped: identity',
    spec: { kind: 'globalNorm', maxNorm: 5.00001 },
    input: [v('a', [3]), v('b', [4])],
  },
  {
    id: 'globalNorm/just-above-threshold',
    description: 'global norm 5 with maxNorm 4.99 is clipped',
    spec: { kind: 'globalNorm', maxNorm: 4.99 },
    input: [v('a', [3]), v('b', [4])],
  },
  {
    id: 'globalNorm/zero-gradients',
    description: 'all-zero gradients stay zero',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: [v('a', [0, 0]), v('b', ['-0'])],
  },
  {
    id: 'globalNorm/zero-threshold',
    description: 'maxNorm 0 gives zeros, never NaN (Optax PR #1752)',
    spec: { kind: 'globalNorm', maxNorm: 0 },
    input: [...MIXED, v('z', [0, '-0'])],
  },
  {
    id: 'globalNorm/zero-threshold-zero-gradients',
    description: 'maxNorm 0 on zero gradients: zeros, not 0/0 = NaN',
    spec: { kind: 'globalNorm', maxNorm: 0 },
    input: [v('z', [0, '-0', 0])],
  },
  {
    id: 'globalNorm/infinite-threshold',
    description: 'maxNorm "Infinity" is the exact identity',
    spec: { kind: 'globalNorm', maxNorm: 'Infinity' },
    input: MIXED,
  },
  {
    id: 'globalNorm/p1',
    description: 'global L1 norm',
    spec: { kind: 'globalNorm', maxNorm: 3, p: 1 },
    input: MIXED,
  },
  {
    id: 'globalNorm/p-inf',
    description: 'global max-abs norm',
    spec: { kind: 'globalNorm', maxNorm: 1, p: 'inf' },
    input: MIXED,
  },
  {
    id: 'globalNorm/p3',
    description: 'global p = 3',
    spec: { kind: 'globalNorm', maxNorm: 1, p: 3 },
    input: MIXED,
    requires: ['generalP'],
  },
  {
    id: 'globalNorm/p12-huge',
    description: 'p = 12 with values near 1e30: rescaled, not zeroed',
    spec: { kind: 'globalNorm', maxNorm: 1, p: 12 },
    input: [v('a', [1e30, -2e30]), v('b', [5e29])],
    requires: ['generalP'],
  },
  {
    id: 'globalNorm/float32-square-overflow',
    description: '100 × 1e20 split over two tensors: clipped, not zeroed',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: [
      { name: 'a', shape: [60], generate: { kind: 'constant', value: 1e20 } },
      { name: 'b', shape: [40], generate: { kind: 'constant', value: -1e20 } },
    ],
  },
  {
    id: 'globalNorm/near-float32-max',
    description: 'values near the float32 maximum in several tensors (their float32 sum overflows)',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: [v('a', [3.4028234663852886e38]), v('b', [-3.4028234663852886e38, 2e38])],
  },
  {
    id: 'globalNorm/subnormals',
    description: 'subnormal gradients with a subnormal threshold',
    spec: { kind: 'globalNorm', maxNorm: 3e-45 },
    input: [v('a', [1e-45, -3e-45]), v('b', [4e-45])],
  },
  {
    id: 'globalNorm/many-small-tensors',
    description: '2,000 tensors of 7 elements (per-tensor overhead, ordering of the global sum)',
    spec: { kind: 'globalNorm', maxNorm: 10 },
    input: Array.from({ length: 2000 }, (_, i) => normal(`t${i}`, [7], 1000 + i, 0.5)),
  },
  {
    id: 'globalNorm/odd-lengths',
    description: 'odd lengths 1, 3, 1001, 100003',
    spec: { kind: 'globalNorm', maxNorm: 5 },
    input: [normal('a', [1], 21), normal('b', [3], 22), normal('c', [1001], 23), normal('d', [100003], 24)],
  },
  {
    id: 'globalNorm/empty-list',
    description: 'no gradients: norm 0, nothing to do',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: [],
  },
  {
    id: 'globalNorm/large',
    description: 'a tensor past 2^24 elements next to a small one',
    spec: { kind: 'globalNorm', maxNorm: 50 },
    input: [normal('big', [LARGE], 13, 0.05), v('small', [1, -1])],
    requires: ['largeTensors'],
  },
  {
    id: 'globalNorm/propagate-inf',
    description:
      '"propagate" with +Infinity: finite entries → 0, infinities → NaN everywhere (PyTorch result)',
    spec: { kind: 'globalNorm', maxNorm: 1, nonFinite: 'propagate' },
    input: WITH_POS_INF,
  },
  {
    id: 'globalNorm/propagate-nan',
    description: '"propagate" with NaN: every gradient NaN',
    spec: { kind: 'globalNorm', maxNorm: 1, nonFinite: 'propagate' },
    input: WITH_NAN,
  },
  {
    id: 'globalNorm/propagate-inf-threshold',
    description: '"propagate" with maxNorm "Infinity" is still the identity',
    spec: { kind: 'globalNorm', maxNorm: 'Infinity', nonFinite: 'propagate' },
    input: WITH_INF,
  },
  {
    id: 'globalNorm/error',
    description: 'the default policy names the tensor and first bad index',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: WITH_POS_INF,
  },
  {
    id: 'globalNorm/error-first-bad-tensor',
    description: 'two tensors hold non-finite values: the error names the first one and its first bad index',
    spec: { kind: 'globalNorm', maxNorm: 1 },
    input: [v('a', [1, 'NaN', 3, 'Infinity']), v('b', [4, 'Infinity', -5])],
  },
  {
    id: 'globalNorm/nan-all',
    description: '"nanAll": every gradient NaN (TF/Keras result)',
    spec: { kind: 'globalNorm', maxNorm: 1, nonFinite: 'nanAll' },
    input: WITH_POS_INF,
  },
  {
    id: 'globalNorm/skip',
    description: '"skip": unchanged, skipped = true',
    spec: { kind: 'globalNorm', maxNorm: 1, nonFinite: 'skip' },
    input: WITH_INF,
  },
  {
    id: 'globalNorm/zero',
    description: '"zero": non-finite entries become 0 before the norm',
    spec: { kind: 'globalNorm', maxNorm: 1, nonFinite: 'zero' },
    input: WITH_INF,
  },
  {
    id: 'globalNorm/compat-pytorch',
    description: 'PyTorch: g · min(c/(n + 1e-6), 1), multiplied even at n = c',
    spec: { kind: 'globalNorm', maxNorm: 1, compat: 'pytorch' },
    input: [v('a', [0.6]), v('b', [0.8])],
  },
  {
    id: 'globalNorm/compat-pytorch-clipped',
    description: 'PyTorch formula above the threshold',
    spec: { kind: 'globalNorm', maxNorm: 1, compat: 'pytorch' },
    input: MIXED,
  },
  {
    id: 'globalNorm/compat-keras',
    description: 'TF/Keras: g · c·min(1/n, 1/c); below the threshold the scale can be 0.99999994',
    spec: { kind: 'globalNorm', maxNorm: 1.7, compat: 'keras' },
    input: [v('a', [0.1, 0.2]), v('b', [-0.3])],
  },
  {
    id: 'globalNorm/compat-keras-clipped',
    description: 'TF/Keras formula above the threshold',
    spec: { kind: 'globalNorm', maxNorm: 1, compat: 'keras' },
    input: MIXED,
  },
  {
    id: 'globalNorm/compat-optax-at-threshold',
    description: 'Optax: strict n < c, so n = c takes the clip branch (g/n)·c',
    spec: { kind: 'globalNorm', maxNorm: 5, compat: 'optax' },
    input: [v('a', [3]), v('b', [4])],
  },
  {
    id: 'globalNorm/compat-keras-p3',
    description: 'compat "keras" supports only p = 2: INVALID_SPEC',
    spec: { kind: 'globalNorm', maxNorm: 1, p: 3, compat: 'keras' },
    input: SEED,
  },
  {
    id: 'globalNorm/nan-threshold',
    description: 'a NaN threshold is INVALID_SPEC',
    spec: { kind: 'globalNorm', maxNorm: 'NaN' },
    input: SEED,
  },
  {
    id: 'globalNorm/p-zero',
    description: 'p = 0 is INVALID_SPEC',
    spec: { kind: 'globalNorm', maxNorm: 1, p: 0 },
    input: SEED,
  },
  {
    id: 'globalNorm/unknown-field',
    description: 'a misspelt field (maxnorm) is INVALID_SPEC, not silently ignored',
    spec: { kind: 'globalNorm', maxnorm: 1 },
    input: SEED,
  },
];

const chain: Definition[] = [
  {
    id: 'chain/value-then-global-norm',
    description: 'clip by value, then by global norm',
    spec: {
      kind: 'chain',
      steps: [
        { kind: 'value', min: -2, max: 2 },
        { kind: 'globalNorm', maxNorm: 1 },
      ],
    },
    input: MIXED,
  },
  {
    id: 'chain/norm-then-value',
    description: 'clip each tensor by norm, then by value',
    spec: {
      kind: 'chain',
      steps: [
        { kind: 'norm', maxNorm: 3 },
        { kind: 'value', min: -0.5, max: 0.5 },
      ],
    },
    input: MIXED,
  },
  {
    id: 'chain/skip-skips-all',
    description: 'a skipped step skips the whole chain: the input comes back unchanged',
    spec: {
      kind: 'chain',
      nonFinite: 'skip',
      steps: [
        { kind: 'value', min: -1, max: 1 },
        { kind: 'globalNorm', maxNorm: 1 },
      ],
    },
    input: WITH_NAN,
  },
  {
    id: 'chain/inherits-policy',
    description: 'steps inherit the chain\'s nonFinite policy ("zero")',
    spec: { kind: 'chain', nonFinite: 'zero', steps: [{ kind: 'globalNorm', maxNorm: 1 }] },
    input: WITH_INF,
  },
  {
    id: 'chain/empty',
    description: 'an empty chain is the identity',
    spec: { kind: 'chain', steps: [] },
    input: MIXED,
  },
  {
    id: 'chain/nested',
    description: 'chains nest',
    spec: {
      kind: 'chain',
      steps: [
        { kind: 'chain', steps: [{ kind: 'value', min: -3, max: 3 }] },
        { kind: 'norm', maxNorm: 1, p: 1 },
      ],
    },
    input: MIXED,
  },
  {
    id: 'chain/invalid-step',
    description: 'an invalid step is INVALID_SPEC naming its path',
    spec: { kind: 'chain', steps: [{ kind: 'value', min: 0, max: 1 }, { kind: 'norm' }] },
    input: MIXED,
  },
];

// The stateless kinds beyond value/norm/globalNorm (the stateful ones are sequence cases).
const BATCH = [t('dense/kernel', [3, 2], [3, 0, 0.3, 0, 5, 0]), v('dense/bias', [4, 0.4, 12])];
const kinds: Definition[] = [
  {
    id: 'kinds/block-rms',
    description: 'blockRms: each tensor clipped at threshold·√size (Optax clip_by_block_rms)',
    spec: { kind: 'blockRms', threshold: 0.5 },
    input: MIXED,
  },
  {
    id: 'kinds/skip-on-spike',
    description: 'skipOnSpike: a global norm above the bound skips the update (Megatron)',
    spec: { kind: 'skipOnSpike', maxNorm: 1 },
    input: MIXED,
  },
  {
    id: 'kinds/skip-on-spike-below',
    description: 'skipOnSpike: a global norm below the bound passes the gradients through',
    spec: { kind: 'skipOnSpike', maxNorm: 100 },
    input: MIXED,
  },
  {
    id: 'kinds/loss-scaled',
    description: 'lossScaled: unscale by 1024 and clip by the unscaled global norm in one pass',
    spec: { kind: 'lossScaled', lossScale: 1024, maxNorm: 1 },
    input: [normal('a', [300], 41, 1000), normal('b', [7, 9], 42, 500)],
  },
  {
    id: 'kinds/groups',
    description: 'groups: kernels and biases clipped by their own global norms',
    spec: {
      kind: 'groups',
      groups: [
        { name: 'kernels', pattern: '*/kernel', spec: { kind: 'globalNorm', maxNorm: 1 } },
        { name: 'biases', pattern: '*/bias', spec: { kind: 'norm', maxNorm: 2 } },
      ],
    },
    input: MIXED,
  },
  {
    id: 'kinds/per-example-sum',
    description: 'perExample: per-example norms across tensors, each example clipped, then summed',
    spec: { kind: 'perExample', maxNorm: 1 },
    input: BATCH,
  },
  {
    id: 'kinds/per-example-none-opacus',
    description: "perExample with compat 'pytorch' (Opacus's min(1, c/(n + 1e-6))), batch kept",
    spec: { kind: 'perExample', maxNorm: 1, compat: 'pytorch', reduce: 'none' },
    input: [normal('w', [16, 4, 5], 43, 0.3), normal('b', [16, 5], 44, 0.2)],
  },
];

function reportToJson(report: ClipReport): CaseReport {
  return {
    kind: report.kind,
    normBefore: float32ToJson(report.normBefore),
    normAfter: float32ToJson(report.normAfter),
    scale: report.scale === null ? null : float32ToJson(report.scale),
    clipped: report.clipped,
    nonFiniteCount: report.nonFiniteCount,
    skipped: report.skipped,
  };
}

async function generate(definition: Definition): Promise<ConformanceCase> {
  const inputs = definition.input.map((input) => ({
    name: input.name,
    shape: [...input.shape],
    values: caseInputValues(input),
  }));
  const base = {
    id: definition.id,
    description: definition.description,
    spec: definition.spec,
    // Written back as the exact float32 values the case runs on.
    input: definition.input.map((input, i) =>
      'values' in input
        ? { ...input, values: Array.from((inputs[i] as (typeof inputs)[number]).values, float32ToJson) }
        : input,
    ),
    ...(definition.requires ? { requires: definition.requires } : {}),
  };
  try {
    const { gradients, report } = await clip(inputs, definition.spec as never, {
      backend: createReferenceBackend(),
    });
    const total = gradients.reduce((sum, tensor) => sum + tensor.values.length, 0);
    const outputs: CaseOutput[] = gradients.map((tensor, i) => {
      const input = inputs[i] as (typeof inputs)[number];
      // perExample's sum drops the batch axis: the output's own shape.
      const shape = [...tensor.shape];
      return tensor.values.length > EXPLICIT_LIMIT || total > CASE_EXPLICIT_LIMIT
        ? { name: input.name, shape, hash: bitsHash(tensor.values) }
        : { name: input.name, shape, values: Array.from(tensor.values, float32ToJson) };
    });
    return { ...base, expect: { outputs, report: reportToJson(report) } };
  } catch (error) {
    if (!(error instanceof ClipError)) throw error;
    const detail = {
      code: error.code,
      ...(error.tensor === undefined ? {} : { tensor: error.tensor }),
      ...(error.index === undefined ? {} : { index: error.index }),
    };
    process.stdout.write(`  ${definition.id}: expects ${error.code} (${error.message})\n`);
    return { ...base, expect: { error: detail } };
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const groups = { value, norm, 'global-norm': globalNorm, chain, kinds };
for (const [file, definitions] of Object.entries(groups)) {
  const ids = new Set<string>();
  const cases: ConformanceCase[] = [];
  for (const definition of definitions) {
    if (ids.has(definition.id)) throw new Error(`duplicate case id ${definition.id}`);
    ids.add(definition.id);
    cases.push(await generate(definition));
  }
  const path = join(here, '..', 'src', 'conformance', 'cases', `${file}.json`);
  writeFileSync(path, `${JSON.stringify({ cases }, null, 1)}\n`);
  process.stdout.write(`${path}: ${cases.length} cases\n`);
}
