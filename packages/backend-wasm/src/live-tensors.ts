/**
 * The backend's live tensors: each public `WasmTensor` maps (WeakMap) to the record of its region
 * in the shared memory, the region goes back to the allocator on `release` or when its view is
 * garbage-collected (FinalizationRegistry), and after dispose every tensor is refused.
 */
import { ClipError } from '@gradclip/core';
import { elementCount } from '@gradclip/core/backend';
import { RESERVED_BYTES } from './job-runner.js';
import type { MemoryPool } from './memory-pool.js';
import { checkShape, describeTensor } from './tensor-check.js';
import type { WasmTensor } from './wasm-tensor.js';
import type {} from './webassembly-api.js';

/**
 * The truth about a live tensor, kept where callers cannot reach it: kernels read the view and the
 * shape from here, never from the tensor's (frozen) public fields.
 */
export interface Region {
  readonly offset: number;
  readonly bytes: number;
  readonly values: Float32Array;
  readonly shape: readonly number[];
  freed: boolean;
}

export class LiveTensors {
  readonly #memory: WebAssembly.Memory;
  readonly #pool: MemoryPool;
  readonly #live = new WeakMap<WasmTensor, Region>();
  readonly #finalizer: FinalizationRegistry<Region>;
  #disposed = false;

  constructor(memory: WebAssembly.Memory, pool: MemoryPool) {
    this.#memory = memory;
    this.#pool = pool;
    this.#finalizer = new FinalizationRegistry((region) => this.#free(region));
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** From now on every tensor is refused and no region is freed (the memory is no longer tracked). */
  markDisposed(): void {
    this.#disposed = true;
  }

  shapeOf(tensor: WasmTensor, field: string): readonly number[] {
    return this.check(tensor, field).shape;
  }

  toHost(tensor: WasmTensor): Float32Array {
    return this.check(tensor, 'tensor').values.slice();
  }

  createTensor(shape: readonly number[], name?: string): WasmTensor {
    const tensor = this.allocate(checkShape(shape, 'shape'), name);
    tensor.values.fill(0);
    return tensor;
  }

  fromHost(values: Float32Array, shape: readonly number[]): WasmTensor {
    const size = elementCount(checkShape(shape, 'shape'));
    if (!(values instanceof Float32Array) || values.length !== size) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `fromHost: got ${values instanceof Float32Array ? `${values.length} values` : typeof values} for shape [${shape.join(', ')}]; expected a Float32Array of ${size} values`,
        { field: 'values', value: values?.length, expected: `a Float32Array of ${size} values` },
      );
    }
    const tensor = this.allocate(shape);
    (this.#live.get(tensor) as Region).values.set(values);
    return tensor;
  }

  release(tensors: readonly WasmTensor[]): void {
    for (const tensor of tensors) {
      const region = this.#live.get(tensor);
      if (region === undefined) continue;
      this.#live.delete(tensor);
      this.#finalizer.unregister(tensor);
      this.#free(region);
    }
  }

  /** The region of a tensor this backend just made (no check: the caller knows it is live). */
  regionOf(tensor: WasmTensor): Region {
    return this.#live.get(tensor) as Region;
  }

  #assertLive(): void {
    if (this.#disposed) {
      throw new ClipError('BACKEND_UNAVAILABLE', 'backend-wasm: the backend was disposed', {
        field: 'backend',
        value: 'disposed',
        expected: 'a backend that has not been disposed',
      });
    }
  }

  allocate(shape: readonly number[], name?: string): WasmTensor {
    this.#assertLive();
    const length = elementCount(shape);
    const bytes = length * 4;
    const offset = length === 0 ? RESERVED_BYTES : this.#pool.allocate(bytes);
    const values = new Float32Array(this.#memory.buffer, offset, length);
    const frozenShape = Object.freeze([...shape]);
    // Frozen: replacing `values` or editing `shape` would make kernels read the wrong memory
    // (the region below is what they use; freezing makes the public fields agree with it).
    const tensor: WasmTensor = Object.freeze(
      name === undefined ? { shape: frozenShape, values } : { shape: frozenShape, values, name },
    );
    const region: Region = { offset, bytes, values, shape: frozenShape, freed: length === 0 };
    this.#live.set(tensor, region);
    // The view, not the tensor, decides: whoever still holds the view may still read the memory.
    if (length > 0) this.#finalizer.register(values, region, tensor);
    return tensor;
  }

  #free(region: Region): void {
    if (region.freed || this.#disposed) return;
    region.freed = true;
    this.#pool.free(region.offset, region.bytes);
  }

  check(tensor: WasmTensor, field: string): Region {
    // After dispose the workers are gone and the memory is no longer tracked: refuse every call.
    this.#assertLive();
    const region = typeof tensor === 'object' && tensor !== null ? this.#live.get(tensor) : undefined;
    if (region === undefined) {
      throw new ClipError(
        'INVALID_GRADIENTS',
        `${field}: not a live tensor of this wasm backend; expected a tensor from its fromHost or createTensor, not released`,
        { field, value: describeTensor(tensor), expected: 'a live WasmTensor of this backend' },
      );
    }
    return region;
  }
}
