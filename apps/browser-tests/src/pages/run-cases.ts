/**
 * Browser side of the parity rows: runs cases through one backend in the page (fromHost, clip,
 * toHost) and returns what came out; the Node side compares it with the oracle.
 */
import { type ClipBackend, ClipError, type ClipReport, clip } from '@gradclip/core';
import type { BackendManifest } from '@gradclip/core/backend';
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
}

async function runOne<T>(backend: ClipBackend<T>, testCase: PageCase): Promise<PageCaseResult> {
  const started = performance.now();
  const owned = new Set<T>();
  try {
    const tensors: T[] = [];
    for (const input of testCase.input) {
      const tensor = await backend.fromHost(float32FromBase64(input.base64), input.shape);
      tensors.push(tensor);
      owned.add(tensor);
    }
    const gradients = Object.fromEntries(testCase.input.map((input, i) => [input.name, tensors[i] as T]));
    const { gradients: clipped, report } = await clip<T, Record<string, T>>(
      gradients,
      testCase.spec as never,
      {
        backend,
      },
    );
    const outputs: EncodedTensor[] = [];
    for (const input of testCase.input) {
      const tensor = clipped[input.name] as T;
      owned.add(tensor);
      outputs.push({
        name: input.name,
        shape: input.shape,
        base64: float32ToBase64(await backend.toHost(tensor)),
      });
    }
    return { caseId: testCase.id, outputs, report, error: null, durationMs: performance.now() - started };
  } catch (error) {
    const code = error instanceof ClipError ? error.code : error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return { caseId: testCase.id, outputs: null, report: null, error: { code, message }, durationMs: 0 };
  } finally {
    if (owned.size > 0) await backend.release([...owned]);
  }
}

export async function runCases(
  create: () => Promise<ClipBackend<unknown>>,
  cases: readonly PageCase[],
): Promise<PageCasesRun> {
  const backend = await create();
  try {
    const results: PageCaseResult[] = [];
    for (const testCase of cases) results.push(await runOne(backend, testCase));
    return {
      backend: { id: backend.id, name: backend.name, version: backend.version },
      manifest: JSON.parse(JSON.stringify(backend.manifest)) as BackendManifest,
      results,
    };
  } finally {
    await backend.dispose();
  }
}
