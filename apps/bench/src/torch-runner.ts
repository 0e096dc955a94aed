import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { BenchStrategy } from './strategies.js';
import type { Workload } from './workloads.js';

/** Debian's interpreter, which has python3-torch; pyenv's `python3` on PATH usually has not. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

export interface TorchTiming {
  readonly workload: string;
  readonly strategy: string;
  readonly threads: number;
  readonly medianMs: number;
  readonly q1Ms: number;
  readonly q3Ms: number;
  readonly firstCallMs: number;
  readonly runs: number;
}

export type TorchResult =
  | { readonly available: true; readonly version: string; readonly timings: readonly TorchTiming[] }
  | { readonly available: false; readonly reason: string };

/**
 * The same workloads in PyTorch: `clip_grad_norm_` (global norm), a `clip_grad_norm_` per tensor
 * (per-tensor norm) and `clip_grad_value_`, in place as PyTorch does, at each thread count.
 */
const SCRIPT = String.raw`
import json, sys, time
try:
    import torch
except Exception as error:
    print(json.dumps({"available": False, "reason": "torch is not importable: %s" % error})); sys.exit(0)
request = json.loads(sys.stdin.read())
timings = []
def run(workload, strategy, threads):
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(1)
    params = []
    for shape in workload["shapes"]:
        p = torch.nn.Parameter(torch.empty(shape, dtype=torch.float32))
        p.grad = (torch.rand(shape, generator=gen) + torch.rand(shape, generator=gen) - 1) * 2e-3
        params.append(p)
    kind = strategy["kind"]
    p_norm = float(strategy.get("p", "2")); max_norm = strategy.get("maxNorm", 0)
    def once():
        if kind == "globalNorm":
            torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=p_norm)
        elif kind == "norm":
            for q in params: torch.nn.utils.clip_grad_norm_([q], max_norm, norm_type=p_norm)
        else:
            torch.nn.utils.clip_grad_value_(params, strategy["max"])
    t = time.perf_counter(); once(); first = (time.perf_counter() - t) * 1e3
    for _ in range(request["warmup"]): once()
    samples = []; begin = time.perf_counter()
    while len(samples) < request["runs"] and (not samples or (time.perf_counter() - begin) * 1e3 < request["budgetMs"]):
        t = time.perf_counter(); once(); samples.append((time.perf_counter() - t) * 1e3)
    samples.sort()
    def q(f):
        pos = (len(samples) - 1) * f; lo = int(pos); hi = min(lo + 1, len(samples) - 1)
        return samples[lo] + (samples[hi] - samples[lo]) * (pos - lo)
    timings.append({"workload": workload["id"], "strategy": strategy["id"], "threads": threads,
        "medianMs": q(0.5), "q1Ms": q(0.25), "q3Ms": q(0.75), "firstCallMs": first, "runs": len(samples)})
    del params
for workload in request["workloads"]:
    for strategy in request["strategies"]:
        for threads in request["threads"]:
            run(workload, strategy, threads)
            sys.stderr.write("torch %s %s %dt\n" % (workload["id"], strategy["id"], threads)); sys.stderr.flush()
print(json.dumps({"available": True, "version": torch.__version__, "timings": timings}))
`;

export interface TorchRequest {
  readonly workloads: readonly Workload[];
  readonly strategies: readonly BenchStrategy[];
  readonly threads: readonly number[];
  readonly runs: number;
  readonly warmup: number;
  readonly budgetMs: number;
}

/** The torch form of a strategy, or undefined when PyTorch has no equivalent. */
export function torchStrategy(strategy: BenchStrategy): Record<string, unknown> | undefined {
  const spec = strategy.spec;
  if (spec.kind === 'globalNorm' || spec.kind === 'norm') {
    const p = spec.p === 'inf' || spec.p === Number.POSITIVE_INFINITY ? 'inf' : (spec.p ?? 2);
    return { id: strategy.id, kind: spec.kind, p: String(p), maxNorm: spec.maxNorm };
  }
  if (spec.kind === 'value' && typeof spec.max === 'number' && spec.min === -spec.max) {
    return { id: strategy.id, kind: 'value', max: spec.max };
  }
  return undefined;
}

export async function runTorch(
  request: TorchRequest,
  python = DEFAULT_PYTHON,
  onProgress: (line: string) => void = () => {},
): Promise<TorchResult> {
  if (!existsSync(python)) return { available: false, reason: `${python} not found` };
  const payload = {
    workloads: request.workloads.map((workload) => ({ id: workload.id, shapes: workload.shapes })),
    strategies: request.strategies.map(torchStrategy).filter((strategy) => strategy !== undefined),
    threads: request.threads,
    runs: request.runs,
    warmup: request.warmup,
    budgetMs: request.budgetMs,
  };
  return new Promise((resolve) => {
    const input = JSON.stringify(payload);
    const child = spawn(python, ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') onProgress(line.trim());
    });
    child.on('error', (error) => resolve({ available: false, reason: `${python}: ${error.message}` }));
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as TorchResult);
      } catch {
        resolve({ available: false, reason: `${python} exited with ${code} without a result` });
      }
    });
    child.stdin.end(input);
  });
}
