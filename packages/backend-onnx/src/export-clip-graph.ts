import { ClipError, parseSpec, type ResolvedSpec } from '@gradclip/core';
import { ClipGraphState, nextStateOutputName, parameterInputName } from './clip-graph-context.js';
import {
  buildAgc,
  buildBlockRms,
  buildLossScaled,
  buildPerExample,
  buildSkipOnSpike,
} from './clip-graph-kinds.js';
import { ClipGraphOps } from './clip-graph-ops.js';
import { buildAdaGc, buildAutoClip, buildZClip } from './clip-graph-stateful-kinds.js';
import { buildStep, type KindInput, type KindResult } from './clip-graph-strategies.js';
import { type Dimension, GraphBuilder, OPSET } from './graph-builder.js';
import { ElementType } from './onnx-schema.js';

/** One gradient the exported graph takes: its name (the graph input's name) and shape. */
export interface ClipGraphInput {
  readonly name: string;
  /** Numbers for fixed sizes, strings for symbolic ones (any size); the rank is fixed. */
  readonly shape: readonly Dimension[];
}

export interface ClipGraphSignature {
  readonly inputs: readonly ClipGraphInput[];
}

/** Names of the exported graph's report outputs. */
export const CLIP_GRAPH_REPORT_OUTPUTS = {
  normBefore: 'report/normBefore',
  scale: 'report/scale',
  clipped: 'report/clipped',
  nonFiniteCount: 'report/nonFiniteCount',
  skipped: 'report/skipped',
  nonFiniteError: 'report/nonFiniteError',
  /** float64 scalar, for autoClip, zClip, adaGC, skipOnSpike and lossScaled; NaN where the report has none. */
  threshold: 'report/threshold',
  /** float64 vector (one per gradient), for blockRms and adaGC; NaN where the report has none. */
  perTensorThresholds: 'report/perTensorThresholds',
  /** int64 scalar, for perExample; 0 where the report has none (a policy ended the call). */
  clippedExamples: 'report/clippedExamples',
} as const;

/** The graph output holding the clipped value of gradient `name`. */
export function clippedOutputName(name: string): string {
  return `clipped/${name}`;
}

/**
 * The whole clip of `spec` as an ONNX model (opset 18): one float32 input per gradient, named as in
 * `signature`; one output `clipped/<name>` per gradient, and the report as outputs
 * (`report/normBefore`, `report/scale`, `report/clipped`, `report/nonFiniteCount`, `report/skipped`,
 * `report/nonFiniteError`, and per kind `report/threshold`, `report/perTensorThresholds`,
 * `report/clippedExamples`). `agc` adds a float32 input `parameter/<name>` per clipped gradient
 * (same shape); the stateful kinds add float64 inputs `state/<field>` and outputs
 * `nextState/<field>` (see clip-graph-state.ts for the feeds and back to core's state JSON).
 * A graph cannot throw: where `clip` would throw for the 'error' policy, the graph sets
 * `report/nonFiniteError` and passes the gradients through unchanged (and the state stays); 'skip'
 * sets `report/skipped` and passes them through, as `clip` does.
 */
export function exportClipGraph(spec: unknown, signature: ClipGraphSignature): Uint8Array {
  const resolved = parseSpec(spec);
  checkSignature(signature);
  const builder = new GraphBuilder('gradclip_clip');
  const ops = new ClipGraphOps(builder);
  const tensors = signature.inputs.map((input) => ({
    value: builder.input(input.name, ElementType.float, input.shape),
    rank: input.shape.length,
  }));
  const parameters = new Map<number, string>();
  const state = new ClipGraphState(builder);
  const context = {
    names: signature.inputs.map((input) => input.name),
    shapes: signature.inputs.map((input) => input.shape),
    parameter: (i: number) => {
      let name = parameters.get(i);
      if (name === undefined) {
        const input = signature.inputs[i] as ClipGraphInput;
        name = builder.input(parameterInputName(input.name), ElementType.float, input.shape);
        parameters.set(i, name);
      }
      return name;
    },
    state,
    statePath: '',
  };
  const result = buildStep(ops, resolved, tensors, context, buildKind);
  // A call that throws in core commits no state.
  state.keepUnless(0, ops.node('Not', [result.nonFiniteError]));
  result.tensors.forEach((tensor, i) => {
    const input = signature.inputs[i] as ClipGraphInput;
    const shape = result.outputShapes === undefined ? input.shape : result.outputShapes[i];
    builder.output(tensor.value, clippedOutputName(input.name), ElementType.float, shape ?? null);
  });
  const scalar = (value: string) =>
    builder.node('Reshape', [value, builder.constant(ElementType.int64, [], [0])]);
  const names = CLIP_GRAPH_REPORT_OUTPUTS;
  builder.output(scalar(result.normBefore), names.normBefore, ElementType.double, []);
  builder.output(scalar(result.scale), names.scale, ElementType.double, []);
  builder.output(scalar(result.clipped), names.clipped, ElementType.bool, []);
  builder.output(scalar(result.nonFiniteCount), names.nonFiniteCount, ElementType.int64, []);
  builder.output(scalar(result.skipped), names.skipped, ElementType.bool, []);
  builder.output(scalar(result.nonFiniteError), names.nonFiniteError, ElementType.bool, []);
  const extra = result.extra ?? {};
  if (extra.threshold !== undefined) {
    builder.output(scalar(extra.threshold), names.threshold, ElementType.double, []);
  }
  if (extra.perTensorThresholds !== undefined) {
    const count = signature.inputs.length;
    builder.output(ops.vector(extra.perTensorThresholds), names.perTensorThresholds, ElementType.double, [
      count,
    ]);
  }
  if (extra.clippedExamples !== undefined) {
    builder.output(scalar(extra.clippedExamples), names.clippedExamples, ElementType.int64, []);
  }
  for (const write of state.writes) {
    builder.output(write.value, nextStateOutputName(write.field), ElementType.double, write.shape);
  }
  return builder.encode(`gradclip clip graph (opset ${OPSET}) for ${JSON.stringify(spec)}`);
}

/** The builder of every kind buildStep does not build itself. */
function buildKind(spec: ResolvedSpec, input: KindInput): KindResult {
  switch (spec.kind) {
    case 'blockRms':
      return buildBlockRms(spec, input);
    case 'skipOnSpike':
      return buildSkipOnSpike(spec, input);
    case 'lossScaled':
      return buildLossScaled(spec, input);
    case 'agc':
      return buildAgc(spec, input);
    case 'perExample':
      return buildPerExample(spec, input);
    case 'autoClip':
      return buildAutoClip(spec, input);
    case 'zClip':
      return buildZClip(spec, input);
    case 'adaGC':
      return buildAdaGc(spec, input);
    default:
      throw new Error(`internal: buildKind called for "${spec.kind}"`);
  }
}
function checkSignature(signature: ClipGraphSignature): void {
  if (typeof signature !== 'object' || signature === null || !Array.isArray(signature.inputs)) {
    throw new ClipError('INVALID_GRADIENTS', 'signature.inputs: expected an array of { name, shape }', {
      field: 'signature.inputs',
      value: signature,
      expected: 'an array of { name, shape }',
    });
  }
  const seen = new Set<string>();
  signature.inputs.forEach((input, i) => {
    const field = `signature.inputs[${i}]`;
    if (typeof input?.name !== 'string' || input.name === '' || seen.has(input.name)) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `${field}.name: got ${JSON.stringify(input?.name)}, expected a unique non-empty string`,
        {
          field: `${field}.name`,
          value: input?.name,
          expected: 'a unique non-empty string',
        },
      );
    }
    seen.add(input.name);
    const valid =
      Array.isArray(input.shape) &&
      input.shape.every((dim: unknown) =>
        typeof dim === 'number'
          ? Number.isSafeInteger(dim) && dim >= 0
          : typeof dim === 'string' && dim !== '',
      );
    if (!valid) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `${field}.shape: got ${JSON.stringify(input.shape)}, expected integers ≥ 0 or dimension names`,
        {
          field: `${field}.shape`,
          value: input.shape,
          expected: 'an array of safe integers ≥ 0 or non-empty strings',
        },
      );
    }
  });
}
