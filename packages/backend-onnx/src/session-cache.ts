import { ClipError } from '@gradclip/core';
import type { OrtModule, OrtSession, OrtSessionOptions } from './ort-module.js';

/**
 * Sessions created once per graph key and shared by every later call (and by concurrent calls,
 * which await the same pending creation). `created` counts creations, for tests and metrics.
 */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<OrtSession>>();
  private creations = 0;
  private disposed = false;

  constructor(
    private readonly ort: OrtModule,
    private readonly options: OrtSessionOptions,
  ) {}

  get created(): number {
    return this.creations;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(key: string, build: () => Uint8Array): Promise<OrtSession> {
    if (this.disposed) {
      // Typed like every other refusal, so callers can branch on the code (issue 12 #8).
      return Promise.reject(
        new ClipError('BACKEND_UNAVAILABLE', 'backend-onnx: the backend was disposed', {
          field: 'backend',
          value: 'disposed',
          expected: 'a backend that has not been disposed (create a new one)',
        }),
      );
    }
    let session = this.sessions.get(key);
    if (session === undefined) {
      this.creations++;
      session = this.ort.InferenceSession.create(build(), this.options);
      // A failed creation is not cached, so a later call can try again.
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    const settled = await Promise.allSettled(pending);
    await Promise.all(
      settled.map((result) => (result.status === 'fulfilled' ? result.value.release() : undefined)),
    );
  }
}
