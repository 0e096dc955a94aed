/**
 * A backend whose power sums are wrong — within the error bound it states — for the tests that
 * prove state stays bit-identical: the reference backend's kernels, with every p = 1, 2 sum moved
 * by a pseudo-random relative error of up to `relativeError / 2` and `sumErrors` stating
 * `relativeError` (a rigorous bound, as the contract asks). A loose bound forces core's exact
 * fallback often; a tight one almost never.
 */
import type { ClipBackend, TensorSummary } from '../backend.js';
import { createRandom } from '../random.js';
import type { HostTensor } from '../reference/host-tensor.js';
import { createReferenceBackend } from '../reference/reference-backend.js';

export function createInexactBackend(relativeError: number, seed = 1): ClipBackend<HostTensor> {
  const reference = createReferenceBackend();
  const random = createRandom(seed);
  const summarizeExactly = reference.summarize?.bind(reference);
  if (summarizeExactly === undefined) throw new Error('the reference backend summarises');
  return {
    ...reference,
    id: `inexact:${relativeError}`,
    manifest: {
      ...reference.manifest,
      notes: [`sums off by up to ${relativeError / 2} (stated ${relativeError})`],
    },
    summarize: (tensors, request) => {
      const exact = summarizeExactly(tensors, request) as readonly TensorSummary[];
      if (request.p !== 1 && request.p !== 2) return exact;
      return exact.map((summary) => {
        const sums = summary.sums.map((sum) => sum * (1 + (random.uniform() - 0.5) * relativeError));
        const sumErrors = sums.map((sum) => (Number.isFinite(sum) ? Math.abs(sum) * relativeError : 0));
        return { ...summary, sums, sumErrors };
      });
    },
  };
}
