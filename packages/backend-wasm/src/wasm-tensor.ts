/**
 * The wasm backend's tensor: a float32 view into the backend's shared WebAssembly memory.
 *
 * Because the values already live where the kernels (and every worker thread) can read them, a
 * clip call copies nothing in and nothing out. Fill `values` in place (`createTensor`) to hand
 * gradients over without any copy, or pay one copy with `fromHost`. The trade-off: the memory
 * belongs to the backend, not to the garbage collector — `release` a tensor when you are done with
 * it (its region goes back to a coalescing allocator and is reused, already paged in). A tensor
 * that is dropped without `release` is reclaimed when its `values` view is garbage-collected.
 * Structurally it is a host tensor (`{ shape, values }`), so host code reads it directly.
 * The object and its `shape` are frozen (the kernels read the backend's own record of both, never
 * these fields); the values in `values` are yours to write.
 */
export interface WasmTensor {
  readonly shape: readonly number[];
  /** A view into the shared memory; valid until the tensor is released or the backend disposed. */
  readonly values: Float32Array;
  /** Optional; used in error messages and reports. */
  readonly name?: string;
}
