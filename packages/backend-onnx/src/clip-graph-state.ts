/**
 * Between core's clipper state (plain JSON, `clipper.state`) and an exported graph's `state/…`
 * inputs and `nextState/…` outputs, so a training loop can alternate between the graph and core.
 * Every state field is a float64 tensor: `step` a scalar, norms and γ vectors; JSON's `null`
 * (ZClip's mean before warm-up ends, AdaGC's γ before its first step) is NaN, a number core's state
 * never holds. Paths follow the spec: `steps/<k>/` in a chain, `groups/<g>/` and `rest/` in groups.
 */
import { ClipError, createClipper, parseSpec, type ResolvedSpec, type StrategyState } from '@gradclip/core';
import { assignGroups } from '@gradclip/core/backend';
import { nextStateOutputName, stateInputName } from './clip-graph-context.js';
import type { ClipGraphSignature } from './export-clip-graph.js';

/** One feed: `new ort.Tensor(feed.type, feed.data, feed.dims)`. */
export interface ClipGraphStateFeed {
  readonly type: 'float64';
  readonly data: Float64Array;
  readonly dims: number[];
}

/** What `session.run` returns, as far as the state needs it. */
export type ClipGraphOutputs = Readonly<Record<string, { readonly data: unknown } | undefined>>;

/**
 * The `state/…` feeds of the graph `exportClipGraph(spec, signature)` for `state` (a clipper's
 * `state`, possibly through JSON; fresh state when omitted). The state is checked by core as
 * `createClipper(spec, { state })` checks it; an AdaGC state must name the signature's gradients.
 */
export function clipGraphStateFeeds(
  spec: unknown,
  signature: ClipGraphSignature,
  state?: StrategyState | null,
): Record<string, ClipGraphStateFeed> {
  const resolved = parseSpec(spec);
  const checked = createClipper(resolved, state === undefined ? {} : { state }).state;
  const feeds: Record<string, ClipGraphStateFeed> = {};
  const names = signature.inputs.map((input) => input.name);
  visit(resolved, names, '', (node, nodeNames, path, nodeState) => {
    const record = stateAt(checked, nodeState) as Record<string, unknown>;
    const put = (field: string, values: readonly number[], scalar = false) => {
      feeds[stateInputName(`${path}${field}`)] = {
        type: 'float64',
        data: Float64Array.from(values),
        dims: scalar ? [] : [values.length],
      };
    };
    put('step', [record.step as number], true);
    if (node.kind === 'autoClip') put('history', record.history as number[]);
    else if (node.kind === 'zClip') {
      put('warmupNorms', record.warmupNorms as number[]);
      put('mean', [(record.mean as number | null) ?? Number.NaN], true);
      put('variance', [(record.variance as number | null) ?? Number.NaN], true);
    } else {
      const tensors = record.tensors as string[] | null;
      if (
        tensors !== null &&
        (tensors.length !== nodeNames.length || tensors.some((n, i) => n !== nodeNames[i]))
      ) {
        const field = `state${pathField(nodeState)}.tensors`;
        const expected = `the gradients of the signature, in order (${nodeNames.join(', ')})`;
        throw new ClipError(
          'INVALID_SPEC',
          `${field}: got ${JSON.stringify(tensors)}, expected ${expected}`,
          {
            field,
            value: tensors,
            expected,
          },
        );
      }
      const gammas = record.gammas as number[] | null;
      put('gammas', gammas ?? nodeNames.map(() => Number.NaN));
    }
  });
  return feeds;
}

/**
 * The state after a run of the graph, from its `nextState/…` outputs, as core's state JSON:
 * `clipperFromJSON({ format: 'gradclip-clipper', version: 1, spec, state })` or
 * `createClipper(spec, { state })` resume from it, and `clipGraphStateFeeds` feeds it back.
 */
export function clipGraphNextState(
  spec: unknown,
  signature: ClipGraphSignature,
  outputs: ClipGraphOutputs,
): StrategyState | null {
  const resolved = parseSpec(spec);
  const names = signature.inputs.map((input) => input.name);
  const read = (field: string): number[] => {
    const name = nextStateOutputName(field);
    const data = outputs[name]?.data;
    if (!(data instanceof Float64Array)) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `outputs["${name}"]: missing; expected the graph's float64 output`,
        {
          field: `outputs["${name}"]`,
          value: data,
          expected: "the graph's float64 output",
        },
      );
    }
    return Array.from(data);
  };
  const build = (node: ResolvedSpec, nodeNames: readonly string[], path: string): StrategyState | null => {
    switch (node.kind) {
      case 'autoClip':
        return { kind: 'autoClip', step: read(`${path}step`)[0] as number, history: read(`${path}history`) };
      case 'zClip': {
        const nullable = (value: number) => (Number.isNaN(value) ? null : value);
        return {
          kind: 'zClip',
          step: read(`${path}step`)[0] as number,
          warmupNorms: read(`${path}warmupNorms`),
          mean: nullable(read(`${path}mean`)[0] as number),
          variance: nullable(read(`${path}variance`)[0] as number),
        };
      }
      case 'adaGC': {
        const gammas = read(`${path}gammas`);
        const step = read(`${path}step`)[0] as number;
        // No γ yet: NaN, or (without tensors) no step recorded.
        const fresh = gammas.length === 0 ? step === 0 : gammas.some(Number.isNaN);
        return {
          kind: 'adaGC',
          step,
          tensors: fresh ? null : [...nodeNames],
          gammas: fresh ? null : gammas,
        };
      }
      case 'chain':
        return node.steps.some(stateful)
          ? {
              kind: 'chain',
              steps: node.steps.map((step, k) => build(step, nodeNames, `${path}steps/${k}/`)),
            }
          : null;
      case 'groups': {
        if (!stateful(node)) return null;
        const parts = groupParts(node, nodeNames);
        return {
          kind: 'groups',
          groups: node.groups.map((group, g) =>
            build(group.spec, parts.groups[g] as string[], `${path}groups/${g}/`),
          ),
          rest: node.rest === undefined ? null : build(node.rest, parts.rest, `${path}rest/`),
        };
      }
      default:
        return null;
    }
  };
  return build(resolved, names, '');
}

/** The kinds that keep state, and the composites holding one. */
function stateful(spec: ResolvedSpec): boolean {
  if (spec.kind === 'chain') return spec.steps.some(stateful);
  if (spec.kind === 'groups') {
    return (
      spec.groups.some((group) => stateful(group.spec)) || (spec.rest !== undefined && stateful(spec.rest))
    );
  }
  return spec.kind === 'autoClip' || spec.kind === 'zClip' || spec.kind === 'adaGC';
}

function groupParts(
  spec: Extract<ResolvedSpec, { kind: 'groups' }>,
  names: readonly string[],
): { groups: string[][]; rest: string[] } {
  const members = assignGroups(spec, names);
  return {
    groups: spec.groups.map((_, g) => names.filter((_, i) => members[i] === g)),
    rest: names.filter((_, i) => members[i] === -1),
  };
}

type StatePath = readonly (string | number)[];

/** Calls `leaf` for every stateful leaf (autoClip, zClip, adaGC) with its tensors, path and state path. */
function visit(
  spec: ResolvedSpec,
  names: readonly string[],
  path: string,
  leaf: (spec: ResolvedSpec, names: readonly string[], path: string, at: StatePath) => void,
  at: StatePath = [],
): void {
  if (spec.kind === 'chain') {
    spec.steps.forEach((step, k) => {
      visit(step, names, `${path}steps/${k}/`, leaf, [...at, 'steps', k]);
    });
  } else if (spec.kind === 'groups') {
    const parts = groupParts(spec, names);
    spec.groups.forEach((group, g) => {
      visit(group.spec, parts.groups[g] as string[], `${path}groups/${g}/`, leaf, [...at, 'groups', g]);
    });
    if (spec.rest !== undefined) visit(spec.rest, parts.rest, `${path}rest/`, leaf, [...at, 'rest']);
  } else if (stateful(spec)) leaf(spec, names, path, at);
}

function stateAt(state: StrategyState | null, at: StatePath): unknown {
  return at.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], state);
}

function pathField(at: StatePath): string {
  return at.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
}
