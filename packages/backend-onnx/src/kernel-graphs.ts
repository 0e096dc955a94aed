/**
 * The ONNX graphs behind the backend's kernels. Each graph takes a fixed number of tensors with
 * symbolic dimensions, so one session serves every size: a tensor reduced as a whole is fed
 * flattened (`[n]`), a tensor reduced over axes is fed with its rank and an int64 `axes` input.
 */
import type { ScaleOrder } from '@gradclip/core/backend';
import { clampNodes } from './clip-graph-ops.js';
import { type Dimension, GraphBuilder } from './graph-builder.js';
import { ElementType } from './onnx-schema.js';

/** How one tensor enters a graph: flattened, or with its rank (for per-slice reductions). */
export type TensorForm = { readonly kind: 'flat' } | { readonly kind: 'ranked'; readonly rank: number };

export type PowerKind = 'one' | 'two' | 'infinity';

export type KernelGraph =
  | {
      readonly kernel: 'summarize';
      readonly power: PowerKind;
      readonly forms: readonly TensorForm[];
    }
  | { readonly kernel: 'inspect'; readonly forms: readonly TensorForm[] }
  | { readonly kernel: 'scale'; readonly order: ScaleOrder; readonly forms: readonly TensorForm[] }
  | {
      readonly kernel: 'clamp';
      readonly count: number;
      /** Bounds of -0 need a sign fix-up (see clampNodes); other bounds skip it. */
      readonly negativeZero: { readonly min: boolean; readonly max: boolean };
    }
  | { readonly kernel: 'zeroNonFinite'; readonly count: number };

/** The session-cache key of a graph: everything that changes the graph, nothing that changes sizes. */
export function graphKey(graph: KernelGraph): string {
  const forms =
    'forms' in graph
      ? graph.forms.map((form) => (form.kind === 'flat' ? 'f' : `r${form.rank}`)).join(',')
      : '';
  switch (graph.kernel) {
    case 'summarize':
      return `summarize:${graph.power}:${forms}`;
    case 'inspect':
      return `inspect:${forms}`;
    case 'scale':
      return `scale:${graph.order}:${forms}`;
    case 'clamp':
      return `clamp:${graph.count}:${graph.negativeZero.min ? '-0' : ''}:${graph.negativeZero.max ? '-0' : ''}`;
    case 'zeroNonFinite':
      return `zeroNonFinite:${graph.count}`;
  }
}

export function buildKernelGraph(graph: KernelGraph): Uint8Array {
  const builder = new GraphBuilder(graphKey(graph));
  switch (graph.kernel) {
    case 'summarize':
      buildSummarize(builder, graph.power, graph.forms);
      break;
    case 'inspect':
      buildInspect(builder, graph.forms);
      break;
    case 'scale':
      buildScale(builder, graph.order, graph.forms);
      break;
    case 'clamp':
      buildClamp(builder, graph.count, graph.negativeZero);
      break;
    case 'zeroNonFinite':
      buildZeroNonFinite(builder, graph.count);
      break;
  }
  return builder.encode(`gradclip kernel ${graphKey(graph)}`);
}

function symbolicShape(form: TensorForm, tensor: number): Dimension[] {
  if (form.kind === 'flat') return [`n${tensor}`];
  return Array.from({ length: form.rank }, (_, axis) => `t${tensor}_d${axis}`);
}

/** Reduction inputs: `[x]` for a whole flattened tensor, `[x, axes]` per slice. */
function reduceInputs(builder: GraphBuilder, form: TensorForm, x: string, tensor: number): string[] {
  if (form.kind === 'flat') return [x];
  return [x, builder.input(`axes${tensor}`, ElementType.int64, [`k${tensor}`])];
}

/**
 * Per tensor: `min{i}` / `max{i}` over the tensor and the power sums in float64.
 *
 * A whole tensor (flat form) is fed as `[rows, columns]` over its own data (no copy; the backend
 * picks the columns): `sum{i}` holds one float64 sum per row — ReduceSumSquare (p = 2) or the sum
 * of |x| (p = 1) of the terms cast to double, each row at most `columns` terms whatever order
 * ORT's threads choose — and the backend adds the rows in a fixed order, so its error bound is
 * that of a short sum. The sum is NaN when the tensor holds a NaN and +∞ when it holds ±∞, which
 * flags the tensors the `inspect` graph looks at. For p = ∞ there is no sum: `maxAbs{i}` and
 * `check{i}` = Σ (x − x) (0 exactly when every element is finite, NaN otherwise) instead.
 *
 * Per slice (ranked form): `sum{i}` and `maxAbs{i}` per slice, and `check{i}`, as above.
 * Min, max and maxAbs are only meaningful for finite tensors; the others go through `inspect`.
 */
function buildSummarize(builder: GraphBuilder, power: PowerKind, forms: readonly TensorForm[]): void {
  const rowAxis = builder.constant(ElementType.int64, [1], [1]);
  forms.forEach((form, i) => {
    const flat = form.kind === 'flat';
    const shape = flat ? [`r${i}`, `c${i}`] : symbolicShape(form, i);
    const x = builder.input(`x${i}`, ElementType.float, shape);
    const reduce = flat ? [x, rowAxis] : reduceInputs(builder, form, x, i);
    // Per-slice outputs have the kept axes' rank; their shape is left unstated.
    const sliced = flat ? [] : null;
    if (power !== 'infinity') {
      const wide = builder.node('Cast', [x], { to: ElementType.double });
      // Squares need no Abs (ReduceSumSquare squares exactly in double); p = 1 works on |g|.
      const sum =
        power === 'two'
          ? builder.node('ReduceSumSquare', [wide, ...reduce.slice(1)], { keepdims: 0 })
          : builder.node('ReduceSum', [builder.node('Abs', [wide]), ...reduce.slice(1)], { keepdims: 0 });
      builder.output(sum, `sum${i}`, ElementType.double, flat ? [`r${i}`] : null);
    }
    if (!flat || power === 'infinity') {
      const magnitude = builder.node('Abs', [x]);
      const maxAbs = builder.node('ReduceMax', flat ? [magnitude] : [magnitude, ...reduce.slice(1)], {
        keepdims: 0,
      });
      builder.output(maxAbs, `maxAbs${i}`, ElementType.float, sliced);
    }
    builder.output(builder.node('ReduceMin', [x], { keepdims: 0 }), `min${i}`, ElementType.float, []);
    builder.output(builder.node('ReduceMax', [x], { keepdims: 0 }), `max${i}`, ElementType.float, []);
    if (!flat || power === 'infinity') {
      const zeros = builder.node('Sub', [x, x]);
      builder.output(builder.node('ReduceSum', [zeros], { keepdims: 0 }), `check${i}`, ElementType.float, []);
    }
  });
}

/**
 * The non-finite details of tensors that have some: count and first flat index of NaN/±∞, min and
 * max ignoring NaN, and max |g| per slice with NaN propagated (reductions' NaN handling is not
 * specified by ONNX, so NaN is masked out and put back explicitly).
 */
function buildInspect(builder: GraphBuilder, forms: readonly TensorForm[]): void {
  const positiveInfinity = builder.constant(ElementType.float, [Number.POSITIVE_INFINITY]);
  const negativeInfinity = builder.constant(ElementType.float, [Number.NEGATIVE_INFINITY]);
  const zero = builder.constant(ElementType.float, [0]);
  const notANumber = builder.constant(ElementType.float, [Number.NaN]);
  const flatShape = builder.constant(ElementType.int64, [-1], [1]);
  forms.forEach((form, i) => {
    const x = builder.input(`x${i}`, ElementType.float, symbolicShape(form, i));
    const reduce = reduceInputs(builder, form, x, i);
    // Per-slice outputs have the kept axes' rank; their shape is left unstated.
    const sliced = form.kind === 'flat' ? [] : null;
    // x − x is 0 for finite x and NaN for NaN and ±∞.
    const bad = builder.node('IsNaN', [builder.node('Sub', [x, x])]);
    const count = builder.node('ReduceSum', [builder.node('Cast', [bad], { to: ElementType.int64 })], {
      keepdims: 0,
    });
    builder.output(count, `count${i}`, ElementType.int64, []);
    const badFlat = builder.node('Reshape', [
      builder.node('Cast', [bad], { to: ElementType.float }),
      flatShape,
    ]);
    // ArgMax returns the first maximal index (select_last_index = 0).
    const first = builder.node('ArgMax', [badFlat], { axis: 0, keepdims: 0, select_last_index: 0 });
    builder.output(first, `first${i}`, ElementType.int64, []);
    const nan = builder.node('IsNaN', [x]);
    const forMin = builder.node('Where', [nan, positiveInfinity, x]);
    const forMax = builder.node('Where', [nan, negativeInfinity, x]);
    builder.output(builder.node('ReduceMin', [forMin], { keepdims: 0 }), `min${i}`, ElementType.float, []);
    builder.output(builder.node('ReduceMax', [forMax], { keepdims: 0 }), `max${i}`, ElementType.float, []);
    const magnitude = builder.node('Where', [nan, zero, builder.node('Abs', [x])]);
    const cleanMax = builder.node('ReduceMax', [magnitude, ...reduce.slice(1)], { keepdims: 0 });
    const nanCount = builder.node(
      'ReduceMax',
      [builder.node('Cast', [nan], { to: ElementType.float }), ...reduce.slice(1)],
      { keepdims: 0 },
    );
    const hasNaN = builder.node('Greater', [nanCount, zero]);
    builder.output(
      builder.node('Where', [hasNaN, notANumber, cleanMax]),
      `maxAbs${i}`,
      ElementType.float,
      sliced,
    );
  });
}

/**
 * `y{i}` = x·m, (x·m)/d or (x/d)·m in float32 (each operation correctly rounded). `m{i}` / `d{i}`
 * hold one factor per slice, shaped to broadcast over the tensor (`[1]` for a flat tensor).
 */
function buildScale(builder: GraphBuilder, order: ScaleOrder, forms: readonly TensorForm[]): void {
  forms.forEach((form, i) => {
    const shape = symbolicShape(form, i);
    const factorShape = form.kind === 'flat' ? [1] : shape.map((_, axis) => `m${i}_d${axis}`);
    const x = builder.input(`x${i}`, ElementType.float, shape);
    const m = builder.input(`m${i}`, ElementType.float, factorShape);
    let y: string;
    if (order === 'multiply') y = builder.node('Mul', [x, m]);
    else {
      const d = builder.input(`d${i}`, ElementType.float, factorShape);
      y =
        order === 'multiplyThenDivide'
          ? builder.node('Div', [builder.node('Mul', [x, m]), d])
          : builder.node('Mul', [builder.node('Div', [x, d]), m]);
    }
    builder.output(y, `y${i}`, ElementType.float, shape);
  });
}

/**
 * `y{i}` = x < lo ? lo : x > hi ? hi : x; comparisons with NaN are false, so NaN and -0 pass.
 * A bound of -0 is fed as +0 and gets its sign back through clampNodes.
 */
function buildClamp(
  builder: GraphBuilder,
  count: number,
  negativeZero: { min: boolean; max: boolean },
): void {
  const lo = builder.input('lo', ElementType.float, []);
  const hi = builder.input('hi', ElementType.float, []);
  const minusOne = builder.constant(ElementType.float, [-1]);
  const min = negativeZero.min ? { value: lo, negativeZeroSign: minusOne } : { value: lo };
  const max = negativeZero.max ? { value: hi, negativeZeroSign: minusOne } : { value: hi };
  for (let i = 0; i < count; i++) {
    const x = builder.input(`x${i}`, ElementType.float, [`n${i}`]);
    const below = builder.node('Less', [x, lo]);
    const above = builder.node('Greater', [x, hi]);
    builder.output(clampNodes(builder, x, below, min, above, max), `y${i}`, ElementType.float, [`n${i}`]);
  }
}

/** `y{i}` = x finite ? x : +0. */
function buildZeroNonFinite(builder: GraphBuilder, count: number): void {
  const zero = builder.constant(ElementType.float, [0]);
  for (let i = 0; i < count; i++) {
    const x = builder.input(`x${i}`, ElementType.float, [`n${i}`]);
    const bad = builder.node('IsNaN', [builder.node('Sub', [x, x])]);
    builder.output(builder.node('Where', [bad, zero, x]), `y${i}`, ElementType.float, [`n${i}`]);
  }
}
