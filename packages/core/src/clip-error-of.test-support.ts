import { ClipError } from './errors.js';

/** The `ClipError` that `run` throws; anything else thrown, or nothing, fails the test. */
export function clipErrorOf(run: () => unknown): ClipError {
  try {
    run();
  } catch (error) {
    if (error instanceof ClipError) return error;
    throw error;
  }
  throw new Error('expected a ClipError');
}
