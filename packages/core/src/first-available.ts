import { ClipError } from './errors.js';

/** A backend to try: a name for messages and a loader (typically a dynamic import plus a factory). */
export interface BackendCandidate<B> {
  readonly name: string;
  readonly load: () => Promise<B>;
}

/**
 * Starts candidates in order and returns the first that starts. Nothing is registered anywhere:
 * the order of the list is the priority. When none starts, throws `ClipError('BACKEND_UNAVAILABLE')`
 * listing every candidate's reason.
 */
export async function firstAvailable<B>(candidates: readonly BackendCandidate<B>[]): Promise<B> {
  const reasons: string[] = [];
  for (const candidate of candidates) {
    try {
      return await candidate.load();
    } catch (error) {
      reasons.push(`[${candidate.name}] ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new ClipError(
    'BACKEND_UNAVAILABLE',
    candidates.length === 0
      ? 'firstAvailable: got an empty list, expected at least one backend candidate'
      : `No backend could start: ${reasons.join('; ')}`,
    {
      field: 'candidates',
      value: candidates.map((candidate) => candidate.name),
      expected: 'a backend that starts',
    },
  );
}
