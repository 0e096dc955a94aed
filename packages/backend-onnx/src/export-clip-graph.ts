import { ClipError, parseSpec } from '@gradclip/core';
import { ClipGraphOps } from './clip-graph-ops.js';
import { buildStep } from './clip-graph-strategies.js';
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
} as const;

/** The graph output holding the clipped value of gradient `name`. */
export function clippedOutputName(name: string): string {
  return `clipped/${name}`;
}

/**
 * The whole clip of `spec` as an ONNX model (opset 18): one float32 input per gradient, named as in
 * `signature`; one output `clipped/<name>` per gradient, and the report as outputs
 * (`report/normBefore`, `report/scale`, `report/clipped`, `report/nonFiniteCount`, `report/skipped`,
 * `report/nonFiniteError`). A graph cannot throw: where `clip` would throw for the 'error' policy,
 * the graph sets `report/nonFiniteError` and passes the gradients through unchanged; 'skip' sets
 * `report/skipped` and passes them through, as `clip` does.
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
  const result = buildStep(ops, resolved, tensors);
  result.tensors.forEach((tensor, i) => {
    const input = signature.inputs[i] as ClipGraphInput;
    builder.output(tensor.value, clippedOutputName(input.name), ElementType.float, input.shape);
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
  return builder.encode(`gradclip clip graph (opset ${OPSET}) for ${JSON.stringify(spec)}`);
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
