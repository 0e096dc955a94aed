/**
 * Norm groups (Megatron-LM clips some parameter groups by their own norm): the tensors are split by
 * group, and each group's spec runs on its own tensors only — its own norm, its own threshold, its
 * own state. Each tensor belongs to the first group that lists it by name or whose glob matches;
 * the rest go to `rest` (or pass unchanged). A skipped group skips the whole update.
 */
import type { TensorSummary } from '../backend.js';
import { ClipError } from '../errors.js';
import type { Steps } from '../kernel-steps.js';
import type { ClipReport } from '../report.js';
import type { ResolvedNormGroupsSpec, ResolvedSpec } from '../spec.js';
import { summarize, wholeLayouts } from './kernel-calls.js';
import { normOfSummaries } from './report-norms.js';
import type { StrategyContext, StrategyOutput } from './strategy-context.js';

export function* runNormGroups<T>(
  spec: ResolvedNormGroupsSpec,
  tensors: readonly T[],
  context: StrategyContext<T>,
  runStep: (
    step: ResolvedSpec,
    tensors: readonly T[],
    context: StrategyContext<T>,
  ) => Steps<StrategyOutput<T>>,
): Steps<StrategyOutput<T>> {
  const members = assignGroups(spec, context.names);
  const outputs = [...tensors];
  const shapes = [...context.shapes];
  const reports: ClipReport[] = [];
  const parts: { spec: ResolvedSpec; indices: number[] }[] = spec.groups.map((group, g) => ({
    spec: group.spec,
    indices: members.flatMap((member, i) => (member === g ? [i] : [])),
  }));
  const rest = members.flatMap((member, i) => (member === -1 ? [i] : []));
  if (spec.rest !== undefined) parts.push({ spec: spec.rest, indices: rest });
  for (const part of parts) {
    const sub = subContext(context, part.indices);
    const output = yield* runStep(
      part.spec,
      part.indices.map((i) => tensors[i] as T),
      sub,
    );
    reports.push(output.report);
    if (output.report.skipped) {
      return { tensors: [...tensors], report: groupsReport(reports, true) };
    }
    part.indices.forEach((i, k) => {
      outputs[i] = output.tensors[k] as T;
      if (output.shapes !== undefined) shapes[i] = output.shapes[k] as readonly number[];
    });
  }
  const perTensorNorms = context.perTensorNorms
    ? yield* groupedTensorNorms(context, tensors, parts, reports)
    : undefined;
  return {
    tensors: outputs,
    report: { ...groupsReport(reports, false), ...(perTensorNorms === undefined ? {} : { perTensorNorms }) },
    ...(shapes.some((shape, i) => shape !== context.shapes[i]) ? { shapes } : {}),
  };
}

/**
 * Each tensor's norm as its group measured it (its spec's order); the L2 norm for a tensor outside
 * every group and without `rest`, which no spec measured.
 */
function* groupedTensorNorms<T>(
  context: StrategyContext<T>,
  tensors: readonly T[],
  parts: readonly { indices: number[] }[],
  reports: readonly ClipReport[],
): Steps<number[]> {
  const norms: (number | undefined)[] = new Array(tensors.length).fill(undefined);
  parts.forEach((part, g) => {
    const measured = reports[g]?.perTensorNorms;
    part.indices.forEach((i, k) => {
      norms[i] = measured?.[k];
    });
  });
  const missing = norms.flatMap((norm, i) => (norm === undefined ? [i] : []));
  if (missing.length > 0) {
    const sub = subContext(context, missing);
    const summaries = yield* summarize(
      sub,
      missing.map((i) => tensors[i] as T),
      2,
      wholeLayouts(sub),
    );
    missing.forEach((i, k) => {
      norms[i] = normOfSummaries([summaries[k] as TensorSummary], 2);
    });
  }
  return norms as number[];
}

/** Per tensor, the index of its group, or -1 for the rest. */
export function assignGroups(spec: ResolvedNormGroupsSpec, names: readonly string[]): number[] {
  spec.groups.forEach((group, g) => {
    group.tensors.forEach((name, k) => {
      if (!names.includes(name)) {
        const field = `spec.groups[${g}].tensors[${k}]`;
        throw new ClipError('INVALID_SPEC', `${field}: "${name}" names no tensor of this call`, {
          field,
          value: name,
          expected: 'the name of a gradient tensor',
        });
      }
    });
  });
  const patterns = spec.groups.map((group) =>
    group.pattern === undefined ? undefined : globPattern(group.pattern),
  );
  return names.map((name) =>
    spec.groups.findIndex((group, g) => group.tensors.includes(name) || (patterns[g]?.test(name) ?? false)),
  );
}

/** A glob as an anchored regular expression: `*` any run, `?` one character, everything else literal. */
function globPattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`, 's');
}

/** The context of a subset of the call's tensors; tallies, releases and state are shared. */
function subContext<T>(context: StrategyContext<T>, indices: readonly number[]): StrategyContext<T> {
  return {
    ...context,
    names: indices.map((i) => context.names[i] as string),
    shapes: indices.map((i) => context.shapes[i] as readonly number[]),
    parameters:
      context.parameters === undefined ? undefined : indices.map((i) => context.parameters?.[i] as T),
  };
}

function groupsReport(reports: readonly ClipReport[], skipped: boolean): ClipReport {
  // Groups' norms combine as √Σn², as Megatron combines its dense and expert norms.
  const combine = (norms: readonly number[]) => Math.sqrt(norms.reduce((sum, norm) => sum + norm * norm, 0));
  const before = combine(reports.map((report) => report.normBefore));
  return {
    kind: 'groups',
    normBefore: before,
    normAfter: skipped ? before : combine(reports.map((report) => report.normAfter)),
    scale: null,
    clipped: !skipped && reports.some((report) => report.clipped),
    nonFiniteCount: reports.reduce((total, report) => total + report.nonFiniteCount, 0),
    skipped,
    steps: reports,
  };
}
