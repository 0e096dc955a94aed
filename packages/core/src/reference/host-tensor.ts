/** A float32 tensor in host memory: the reference backend's tensor type and the kit's interchange. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** Optional; used in error messages and reports when the tensor is passed in a list. */
  readonly name?: string;
}
