/**
 * The summaries (p = 2) the last clamp computed for its outputs in the same pass (the fused
 * clampSummarize kernel), handed to the summarize call that follows.
 */
import type { TensorSummary } from '@gradclip/core/backend';
import type { WasmTensor } from './wasm-tensor.js';

/**
 * Valid for the next kernel call only: core's clip by value summarises the clamped tensors right
 * after clamping them. Any other call, and the next turn of the event loop, drops them.
 */
export class ClampSummaries {
  #summaries: WeakMap<WasmTensor, TensorSummary> | undefined;
  #clearScheduled = false;

  /** The summaries of the last clamp, if no call came in between; drops them. */
  take(): WeakMap<WasmTensor, TensorSummary> | undefined {
    const summaries = this.#summaries;
    this.#summaries = undefined;
    return summaries;
  }

  clear(): void {
    this.#summaries = undefined;
  }

  /** Keeps a clamp's summaries until the next kernel call or the next turn of the event loop. */
  keep(summaries: WeakMap<WasmTensor, TensorSummary>): void {
    this.#summaries = summaries;
    if (!this.#clearScheduled) {
      this.#clearScheduled = true;
      setTimeout(() => {
        this.#clearScheduled = false;
        this.#summaries = undefined;
      }, 0);
    }
  }
}
