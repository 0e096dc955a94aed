/**
 * Reusable host buffers of bucket sizes, so a call does not allocate (and page-fault) 16 MiB per
 * batch. Safe to reuse between kernel calls: gpu.js reads (or snapshots) its arguments when a kernel
 * is called, before the call's first await.
 */
export class StagingBuffers {
  readonly #buffers = new Map<string, Float32Array>();

  /** A buffer of exactly `size` floats for `role`; its contents are whatever the last user left. */
  get(role: string, size: number): Float32Array {
    const key = `${role}:${size}`;
    let buffer = this.#buffers.get(key);
    if (buffer === undefined) {
      buffer = new Float32Array(size);
      this.#buffers.set(key, buffer);
    }
    return buffer;
  }

  clear(): void {
    this.#buffers.clear();
  }
}
