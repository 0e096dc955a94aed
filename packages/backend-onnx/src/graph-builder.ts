/**
 * A small builder for ONNX graphs: named values, nodes with attributes, initializers, and
 * inputs/outputs with symbolic dimensions. `encode()` hands the model to protobufjs.
 */
import { AttributeType, ElementType, onnxModelType } from './onnx-schema.js';

/** Opset 18: Reduce* take `axes` as an input, so one session serves any axes. */
export const OPSET = 18;
/** IR version 8 is the one that goes with opset 18. */
const IR_VERSION = 8;

/** A dimension: a number, or a name for a symbolic (any size) dimension. */
export type Dimension = number | string;

export type AttributeValue = number | readonly number[] | { readonly float: number };

interface NodeRecord {
  input: string[];
  output: string[];
  op_type: string;
  name: string;
  attribute: Record<string, unknown>[];
}

export class GraphBuilder {
  private readonly nodes: NodeRecord[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, type: ElementType, shape: readonly Dimension[] | null): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(value: string, name: string, type: ElementType, shape: readonly Dimension[] | null): void {
    // Outputs get stable names through an Identity, whatever node produced them.
    this.node('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, type, shape));
  }

  /** Adds a node; returns its (single) output's name. Attributes: int, ints or `{ float }`. */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    output?: string,
  ): string {
    const result = output ?? `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({
      input: [...inputs],
      output: [result],
      op_type: op,
      name: `${op}_${this.counter++}`,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return result;
  }

  /** Adds a node with `count` outputs (TopK's values and indices); returns their names. */
  nodeOutputs(
    op: string,
    inputs: readonly string[],
    count: number,
    attributes: Record<string, AttributeValue> = {},
  ): string[] {
    const outputs = Array.from({ length: count }, () => `${op.toLowerCase()}_${this.counter++}`);
    this.nodes.push({
      input: [...inputs],
      output: outputs,
      op_type: op,
      name: `${op}_${this.counter++}`,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return outputs;
  }

  /**
   * `If(condition)`: the values of `then` or of `otherwise` (same count; float32 unless `types`
   * says otherwise; shapes may differ between the branches), without an
   * element-wise select. ORT's Where turns a -0 taken from its second input into +0, so gradients
   * that pass through unchanged (skip, error) are chosen with If instead.
   */
  choose(
    condition: string,
    then: readonly string[],
    otherwise: readonly string[],
    types: readonly ElementType[] = then.map(() => ElementType.float),
  ): string[] {
    const outputs = then.map(() => `chosen_${this.counter++}`);
    const branch = (values: readonly string[], label: string) => {
      const names = values.map(() => `${label}_${this.counter++}`);
      return {
        name: `${label}_${this.counter++}`,
        node: values.map((value, k) => ({
          input: [value],
          output: [names[k] as string],
          op_type: 'Identity',
          name: `Identity_${this.counter++}`,
          attribute: [],
        })),
        output: names.map((name, k) => valueInfo(name, types[k] ?? ElementType.float, null)),
      };
    };
    this.nodes.push({
      input: [condition],
      output: outputs,
      op_type: 'If',
      name: `If_${this.counter++}`,
      attribute: [
        { name: 'then_branch', type: AttributeType.graph, g: branch(then, 'then') },
        { name: 'else_branch', type: AttributeType.graph, g: branch(otherwise, 'else') },
      ],
    });
    return outputs;
  }

  /** A constant tensor (initializer), float32 / float64 / int64 / bool by `type`. */
  constant(type: ElementType, values: readonly number[], dims: readonly number[] = []): string {
    const name = `const_${this.counter++}`;
    this.initializers.push({ name, data_type: type, dims: [...dims], raw_data: rawBytes(type, values) });
    return name;
  }

  encode(docString: string): Uint8Array {
    const Model = onnxModelType();
    // Constants a graph variant did not use are left out (ORT warns about them otherwise).
    const used = new Set(this.nodes.flatMap((node) => [...node.input, ...subgraphInputs(node)]));
    const model = {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: OPSET }],
      producer_name: '@gradclip/backend-onnx',
      doc_string: docString,
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers.filter((initializer) => used.has(initializer.name as string)),
        input: this.inputs,
        output: this.outputs,
      },
    };
    const problem = Model.verify(model);
    if (problem !== null) throw new Error(`internal: invalid ONNX model (${problem})`);
    return Model.encode(Model.fromObject(model)).finish();
  }
}

function subgraphInputs(node: NodeRecord): string[] {
  return node.attribute.flatMap((attribute) => {
    const graph = attribute.g as { node: NodeRecord[] } | undefined;
    return graph === undefined ? [] : graph.node.flatMap((inner) => inner.input);
  });
}

function valueInfo(
  name: string,
  type: ElementType,
  shape: readonly Dimension[] | null,
): Record<string, unknown> {
  const tensorType: Record<string, unknown> = { elem_type: type };
  if (shape !== null) {
    tensorType.shape = {
      dim: shape.map((dim) => (typeof dim === 'number' ? { dim_value: dim } : { dim_param: dim })),
    };
  }
  return { name, type: { tensor_type: tensorType } };
}

function attribute(name: string, value: AttributeValue): Record<string, unknown> {
  if (typeof value === 'number') return { name, type: AttributeType.int, i: value };
  if (Array.isArray(value)) return { name, type: AttributeType.ints, ints: [...value] };
  return { name, type: AttributeType.float, f: (value as { float: number }).float };
}

function rawBytes(type: ElementType, values: readonly number[]): Uint8Array {
  switch (type) {
    case ElementType.float:
      return new Uint8Array(Float32Array.from(values).buffer);
    case ElementType.double:
      return new Uint8Array(Float64Array.from(values).buffer);
    case ElementType.int64:
      return new Uint8Array(BigInt64Array.from(values, (value) => BigInt(value)).buffer);
    case ElementType.bool:
      return Uint8Array.from(values, (value) => (value ? 1 : 0));
  }
}
