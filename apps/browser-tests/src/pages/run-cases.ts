/**
 * Browser side of the parity rows: runs cases through one backend in the page (fromHost, clip,
 * toHost) and returns what came out; the Node side compares it with the oracle. Sequence cases
 * (many calls on one clipper) are judged here by the kit's checkSequenceCase against the
 * expectations they state, and come back as outcomes.
 */
import type { ClipBackend, ClipReport } from '@gradclip/core';
import type { BackendManifest } from '@gradclip/core/backend';
import { type CaseOutcome, checkSequenceCase, type SequenceCase } from '@gradclip/core/conformance';
import { callClip } from '../call-clip.js';
import { float32FromBase64, float32ToBase64 } from '../float32-base64.js';

export interface EncodedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** base64 of the float32 bytes */
  readonly base64: string;
}

export interface PageCase {
  readonly id: string;
  readonly spec: unknown;
  readonly input: readonly EncodedTensor[];
  /** The parameters beside the gradients (`agc`). */
  readonly parameters?: readonly EncodedTensor[];
}

export interface PageCaseResult {
  readonly caseId: string;
  readonly outputs: readonly EncodedTensor[] | null;
  readonly report: ClipReport | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly durationMs: number;
}

export interface PageCasesRun {
  readonly backend: { readonly id: string; readonly name: string; readonly version: string };
  readonly manifest: BackendManifest;
  readonly results: readonly PageCaseResult[];
  /** One per sequence case asked for, in order (outputs not kept). */
  readonly sequenceOutcomes: readonly CaseOutcome[];
}

const decode = (tensors: readonly EncodedTensor[]) =>
  tensors.map((tensor) => ({
    name: tensor.name,
    shape: tensor.shape,
    values: float32FromBase64(tensor.base64),
  }));

/** The call the Node side makes too (`callClip`), with the tensors through base64 both ways. */
async function runOne<T>(backend: ClipBackend<T>, testCase: PageCase): Promise<PageCaseResult> {
  const called = await callClip(backend, {
    spec: testCase.spec,
    input: decode(testCase.input),
    ...(testCase.parameters === undefined ? {} : { parameters: decode(testCase.parameters) }),
  });
  return {
    caseId: testCase.id,
    outputs:
      called.outputs?.map((output) => ({
        name: output.name,
        shape: output.shape,
        base64: float32ToBase64(output.values),
      })) ?? null,
    report: called.report,
    error: called.error,
    durationMs: called.durationMs,
  };
}

export async function runCases(
  create: () => Promise<ClipBackend<unknown>>,
  cases: readonly PageCase[],
  sequences: readonly SequenceCase[] = [],
): Promise<PageCasesRun> {
  const backend = await create();
  try {
    const results: PageCaseResult[] = [];
    for (const testCase of cases) results.push(await runOne(backend, testCase));
    const sequenceOutcomes: CaseOutcome[] = [];
    for (const testCase of sequences) sequenceOutcomes.push(await checkSequenceCase(backend, testCase));
    return {
      backend: { id: backend.id, name: backend.name, version: backend.version },
      manifest: JSON.parse(JSON.stringify(backend.manifest)) as BackendManifest,
      results,
      sequenceOutcomes,
    };
  } finally {
    await backend.dispose();
  }
}
