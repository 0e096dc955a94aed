import { ClipError } from '@gradclip/core';
import type { GPU, IKernelRunShortcut, KernelVariable } from 'gpu.js';
import * as gpujs from 'gpu.js';
import { type GpujsMode, KERNEL_CLASS_OF_MODE } from './gpujs-mode.js';

/** What a kernel is, apart from its sizes: the cache key is this plus the output and input sizes. */
export interface KernelRecipe {
  /** Names the kernel in the cache and in messages, e.g. `"statistics"` or `"scale-uniform-1"`. */
  readonly name: string;
  readonly source: string;
  readonly constants: Readonly<Record<string, number>>;
}

export type KernelResult = Float32Array | Float32Array[];

export interface RunOptions {
  /**
   * An argument is a device tensor: gpu.js bakes a texture argument's size into the GL shader
   * unless `dynamicArguments` is on, so these kernels are compiled with it.
   */
  readonly deviceArguments?: boolean;
  /**
   * Keep the output on the device (`pipeline`, `immutable`: each run gets its own texture or
   * buffer). Output sizes are set per run (`dynamicOutput`), so one kernel serves every size.
   */
  readonly pipeline?: boolean;
}

/**
 * Kernels compiled once per shape class and reused: a shape class is a recipe plus power-of-two
 * bucket sizes, so the number of compiled kernels is bounded whatever the tensors' sizes. Every run
 * checks the kernel class that actually ran, since gpu.js falls back to another backend silently.
 */
export class KernelCache {
  readonly #gpu: GPU;
  readonly #mode: GpujsMode;
  readonly #asyncKernels: boolean;
  readonly #kernels = new Map<string, IKernelRunShortcut>();
  readonly #engines = new WeakSet<object>();
  #compilations = 0;
  #threadedRuns = 0;
  #hostFloatsRead = 0;

  constructor(gpu: GPU, mode: GpujsMode, asyncKernels: boolean) {
    this.#gpu = gpu;
    this.#mode = mode;
    this.#asyncKernels = asyncKernels;
  }

  /** Kernels compiled so far: one per shape class, plus any rebuild gpu.js made behind our back. */
  get compilations(): number {
    return this.#compilations;
  }

  /** Runs that webasm split across its worker pool. */
  get threadedRuns(): number {
    return this.#threadedRuns;
  }

  /** Floats that non-pipeline kernels returned to the host (pipeline outputs stay on the device). */
  get hostFloatsRead(): number {
    return this.#hostFloatsRead;
  }

  /** The `GPU` whose kernels may hand their pipeline outputs to this backend. */
  get gpu(): GPU {
    return this.#gpu;
  }

  async run(
    recipe: KernelRecipe,
    output: readonly number[],
    args: readonly KernelVariable[],
    options: RunOptions = {},
  ): Promise<KernelResult> {
    const pipeline = options.pipeline === true;
    const dynamic = pipeline || options.deviceArguments === true;
    const outputKey = pipeline ? `pipeline${output.length}` : output.join('x');
    const key = `${recipe.name}|${dynamic ? 'dynamic|' : ''}${outputKey}|${args.map(sizeOf).join(',')}`;
    let kernel = this.#kernels.get(key);
    if (kernel === undefined) {
      kernel = this.#gpu.createKernel(recipe.source, {
        output: [...output],
        constants: { ...recipe.constants },
        precision: 'single',
        tactic: 'precision',
        ...(this.#asyncKernels ? { asyncMode: true } : {}),
        ...(dynamic ? { dynamicArguments: true } : {}),
        ...(pipeline ? { pipeline: true, immutable: true, dynamicOutput: true } : {}),
      });
      this.#kernels.set(key, kernel);
    }
    if (pipeline) kernel.setOutput([...output]);
    const result = (await kernel(...args)) as unknown as KernelResult;
    this.#checkEngine(kernel, recipe.name);
    if (!pipeline) this.#hostFloatsRead += floatsOf(result);
    return result;
  }

  #checkEngine(kernel: IKernelRunShortcut, name: string): void {
    const engine = (kernel.kernel ?? kernel) as unknown as {
      constructor: { name: string };
      fallbackReason?: string;
      _lastRunPath?: string | null;
    };
    const expected = KERNEL_CLASS_OF_MODE[this.#mode];
    // By identity, not by name: a minifying bundler (vite build) renames gpu.js's classes.
    const actual = engine.constructor === kernelClass(expected) ? expected : engine.constructor.name;
    if (actual !== expected) {
      const reason = engine.fallbackReason === undefined ? '' : ` (${engine.fallbackReason})`;
      throw new ClipError(
        'BACKEND_CONTRACT',
        `gpujs:${this.#mode}: kernel "${name}" ran on ${actual}, not ${expected}${reason}; gpu.js fell back silently`,
        { field: 'mode', value: actual, expected },
      );
    }
    if (!this.#engines.has(engine)) {
      this.#engines.add(engine);
      this.#compilations++;
    }
    if (engine._lastRunPath === 'threaded') this.#threadedRuns++;
  }

  async destroy(): Promise<void> {
    this.#kernels.clear();
    await this.#gpu.destroy();
  }
}

function sizeOf(argument: KernelVariable): string {
  if (typeof argument === 'number') return 's';
  const { length, type } = argument as { length?: number; type?: string };
  // Device data: its type picks gpu.js's argument class; sizes are dynamic.
  return length === undefined ? `device:${type}` : String(length);
}

function floatsOf(result: unknown): number {
  if (Array.isArray(result)) return result.reduce((sum: number, row) => sum + floatsOf(row), 0);
  return (result as { length?: number }).length ?? 0;
}

/** gpu.js's exported kernel class of that name (the CommonJS build may arrive as a default export). */
function kernelClass(name: string): unknown {
  const exports = gpujs as unknown as Record<string, unknown> & { default?: Record<string, unknown> };
  return exports[name] ?? exports.default?.[name];
}
