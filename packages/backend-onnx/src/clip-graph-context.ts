/**
 * What a step of the exported clip graph knows beyond its tensors: their names and shapes, the
 * parameters beside them (`agc`) and the state of the stateful kinds, each declared as a graph input
 * on first use. State is float64 throughout (`null` in core's JSON is NaN here: core's state never
 * holds a non-finite number) under `state/<path><field>`; the next state is `nextState/<path><field>`.
 */
import type { Dimension, GraphBuilder } from './graph-builder.js';
import { ElementType } from './onnx-schema.js';

/** The graph input holding state field `field` (a path such as `history` or `steps/1/mean`). */
export function stateInputName(field: string): string {
  return `state/${field}`;
}

/** The graph output holding the next value of state field `field`. */
export function nextStateOutputName(field: string): string {
  return `nextState/${field}`;
}

/** The graph input holding the parameters beside gradient `name` (`agc`). */
export function parameterInputName(name: string): string {
  return `parameter/${name}`;
}

interface StateWrite {
  readonly field: string;
  value: string;
  readonly shape: readonly Dimension[];
}

/** The state inputs a graph reads and the next values it writes, in declaration order. */
export class ClipGraphState {
  readonly writes: StateWrite[] = [];
  private readonly declared = new Set<string>();

  constructor(private readonly builder: GraphBuilder) {}

  read(field: string, shape: readonly Dimension[]): string {
    const name = stateInputName(field);
    if (!this.declared.has(name)) {
      this.builder.input(name, ElementType.double, shape);
      this.declared.add(name);
    }
    return name;
  }

  write(field: string, value: string, shape: readonly Dimension[]): void {
    this.writes.push({ field, value, shape });
  }

  /**
   * Writes made since `mark` take effect only when `ran` (a bool scalar) is true; otherwise the
   * state keeps its input value, as core commits nothing for a step that did not run (a policy
   * ended the call, an earlier chain step skipped) or for a call that threw.
   */
  keepUnless(mark: number, ran: string): void {
    for (const write of this.writes.slice(mark)) {
      const [chosen] = this.builder.choose(
        ran,
        [write.value],
        [stateInputName(write.field)],
        [ElementType.double],
      );
      write.value = chosen as string;
    }
  }
}

export interface ClipGraphContext {
  readonly names: readonly string[];
  readonly shapes: readonly (readonly Dimension[])[];
  /** The float32 input `parameter/<name>` of tensor `i`, declared on first use. */
  parameter(i: number): string;
  readonly state: ClipGraphState;
  /** Prefix of this step's state fields: '' at the top, `steps/0/` in a chain, `groups/1/` in groups. */
  readonly statePath: string;
}

/** The context of a subset of the tensors (a group), its state under `path`. */
export function subContext(
  context: ClipGraphContext,
  indices: readonly number[],
  path: string,
): ClipGraphContext {
  return {
    names: indices.map((i) => context.names[i] as string),
    shapes: indices.map((i) => context.shapes[i] as readonly Dimension[]),
    parameter: (i) => context.parameter(indices[i] as number),
    state: context.state,
    statePath: `${context.statePath}${path}`,
  };
}
