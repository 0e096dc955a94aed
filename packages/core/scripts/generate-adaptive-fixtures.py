#!/usr/bin/env python3
"""Cross-check fixtures for the adaptive (stateful) kinds, committed with this script.

Run with Debian's python3 (apt: python3-numpy):
    /usr/bin/python3 scripts/generate-adaptive-fixtures.py

Writes fixtures/agc.json (AGC, Brock et al. 2021 / nfnets agc_optax.py: unit-wise norms over the
reference's default axes by rank, max_i = clipping * max(|W_i|, eps)) and
fixtures/adaptive/<name>.json: long sequences of seeded gradients run through AutoClip,
ZClip and AdaGC as implemented here, independently of the TypeScript, from each paper's
published algorithm and its reference code's order of operations:

- AutoClip (Seetharaman et al. 2020, pseeth/autoclip): append the global L2 norm to the history,
  then threshold = np.percentile(history, p) (numpy's own function, linear interpolation).
- ZClip (Kumar et al. 2025, bluorion-com/ZClip zclip/zclip.py): warm-up buffer, then EMA mean and
  variance, z-score test, adaptive_scaling / mean / percentile clip values, statistics updated
  with the clip value (or skipped on a spike).
- AdaGC (arXiv 2502.11034; kozistr/pytorch_optimizer adagc.py): warm-up global clip at
  lambda_abs with gamma_i = min of clipped norms, then per-tensor clip at lambda_rel * gamma_i and
  gamma_i <- beta * gamma_i + (1 - beta) * |g_hat_i|.

Where the reference code leaves the arithmetic to PyTorch, gradclip's contract fixes it, and
this script follows the contract:
- the norm that feeds state is float32(sqrt(fsum(g^2))) -- the exact L2 norm rounded once to
  float32 (math.fsum is correctly rounded, and g^2 of a float32 is exact in float64);
- the clip is the exact rule: n <= threshold leaves g unchanged, else g * float32(threshold / n)
  in float32 (a scale that rounds to 1 changes nothing); threshold 0 zeroes;
- ZClip's warm-up mean and variance use math.fsum; sigma is math.sqrt; squares are products;
- AdaGC's |g_hat_i| is float32-norm * applied float32 scale; warm-up is the first `warmup` steps.

The gradients come from sfc32 seeded through splitmix32 (core's createRandom, ported here), so
the tests regenerate them without storing them. The tests never need Python.
"""
import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "adaptive")
MASK = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & MASK


class Random:
    """core/src/random.ts: sfc32 seeded from one integer through splitmix32."""

    def __init__(self, seed):
        self.state = seed & MASK
        self.a, self.b, self.c, self.d = (self.splitmix() for _ in range(4))
        for _ in range(12):
            self.next()

    def splitmix(self):
        self.state = (self.state + 0x9E3779B9) & MASK
        z = self.state
        z = imul(z ^ (z >> 16), 0x85EBCA6B)
        z = imul(z ^ (z >> 13), 0xC2B2AE35)
        return (z ^ (z >> 16)) & MASK

    def next(self):
        a, b, c, d = self.a, self.b, self.c, self.d
        t = (((a + b) & MASK) + d) & MASK
        self.d = (d + 1) & MASK
        self.a = b ^ (b >> 9)
        self.b = (c + ((c << 3) & MASK)) & MASK
        c = (((c << 21) & MASK) | (c >> 11)) & MASK
        self.c = (c + t) & MASK
        return t

    def uniform(self):
        return self.next() / 4294967296

    def normal(self):
        total = 0.0
        for _ in range(12):
            total += self.uniform()
        return total - 6


def gradient_sequence(seq):
    """The gradients of every step: see adaptive-sequences.ts (the same definition)."""
    rng = Random(seq["seed"])
    steps = []
    for _ in range(seq["steps"]):
        spike = rng.uniform() < seq["spikeRate"]
        level = (seq["spikeFactor"] if spike else 1.0) * (0.5 + rng.uniform())
        tensors = []
        for shape, tensor_scale in zip(seq["shapes"], seq["tensorScales"]):
            size = int(np.prod(shape)) if shape else 1
            values = [rng.normal() * level * tensor_scale for _ in range(size)]
            tensors.append(np.array(values, dtype=np.float64).astype(np.float32))
        steps.append(tensors)
    return steps


def f32(x):
    return float(np.float32(x))


def l2(arrays):
    return math.sqrt(math.fsum(float(v) * float(v) for a in arrays for v in a.astype(np.float64)))


def decide(norm, threshold):
    """The exact rule: (apply, float32 scale)."""
    if threshold == math.inf:
        return False, 1.0
    if threshold == 0:
        return (False, 1.0) if norm == 0 else (True, 0.0)
    if norm <= threshold:
        return False, 1.0
    scale = f32(threshold / norm)
    return (False, 1.0) if scale == 1.0 else (True, scale)


def scaled(arrays, apply, scale):
    if not apply:
        return arrays
    return [(a * np.float32(scale)).astype(np.float32) for a in arrays]


def checksum(arrays):
    """FNV-1a over the float32 bit patterns (as 32-bit words) of every output, in order."""
    h = 0x811C9DC5
    for a in arrays:
        for word in np.ascontiguousarray(a, dtype=np.float32).ravel().view(np.uint32).tolist():
            h = ((h ^ word) * 16777619) & MASK
    return h


class AutoClip:
    def __init__(self, percentile, window):
        self.percentile = percentile
        self.window = window
        self.history = []
        self.step = 0

    def threshold(self, norm):
        self.history.append(norm)
        if self.window is not None and len(self.history) > self.window:
            self.history.pop(0)
        self.step += 1
        return float(np.percentile(np.array(self.history, dtype=np.float64), self.percentile))

    def clip(self, grads):
        norm32 = f32(l2(grads))
        t = self.threshold(norm32)
        apply, scale = decide(l2(grads), t)
        return scaled(grads, apply, scale), {"threshold": t, "clipped": apply, "scale": scale, "norm32": norm32}

    def state(self):
        return {"kind": "autoClip", "step": self.step, "history": list(self.history)}


class ZClip:
    def __init__(self, alpha=0.97, z=2.5, warmup=25, max_norm=1.0, eps=1e-6, mode="zscore",
                 clip_option="adaptiveScaling", clip_factor=1.0, skip_statistics_on_spike=False):
        self.alpha, self.z, self.warmup, self.max_norm, self.eps = alpha, z, warmup, max_norm, eps
        self.mode, self.clip_option, self.clip_factor = mode, clip_option, clip_factor
        self.skip = skip_statistics_on_spike
        self.buffer = []
        self.mean = None
        self.var = None
        self.step = 0

    def clip_value(self, g):
        std = math.sqrt(self.var)
        if self.mode == "percentile":
            bound = self.mean + self.z * std
            return bound if g > bound else None
        score = (g - self.mean) / (std + self.eps)
        if score > self.z:
            if self.clip_option == "mean":
                return self.mean
            eta = score / self.z
            return (self.mean + (self.z * std) / eta) * self.clip_factor
        return None

    def threshold(self, g):
        self.step += 1
        if self.mean is None:
            self.buffer.append(g)
            if len(self.buffer) >= self.warmup:
                n = len(self.buffer)
                self.mean = math.fsum(self.buffer) / n
                self.var = math.fsum((x - self.mean) * (x - self.mean) for x in self.buffer) / n
                self.buffer = []
            return self.max_norm, False
        value = self.clip_value(g)
        t = self.max_norm if value is None else min(value, self.max_norm)
        if value is not None and self.skip:
            return t, True
        x = value if value is not None else g
        self.mean = self.alpha * self.mean + (1 - self.alpha) * x
        d = x - self.mean
        self.var = self.alpha * self.var + (1 - self.alpha) * (d * d)
        return t, value is not None

    def clip(self, grads):
        norm32 = f32(l2(grads))
        t, spike = self.threshold(norm32)
        apply, scale = decide(l2(grads), t)
        return scaled(grads, apply, scale), {"threshold": t, "clipped": apply, "scale": scale, "norm32": norm32, "spike": spike}

    def state(self):
        return {"kind": "zClip", "step": self.step, "warmupNorms": list(self.buffer), "mean": self.mean, "variance": self.var}


class AdaGC:
    def __init__(self, names, beta=0.98, absolute=1.0, relative=1.05, warmup=100):
        self.names = names
        self.beta, self.absolute, self.relative, self.warmup = beta, absolute, relative, warmup
        self.gammas = None
        self.step = 0

    def clip(self, grads):
        self.step += 1
        norms32 = [f32(l2([g])) for g in grads]
        if self.step <= self.warmup:
            apply, scale = decide(l2(grads), self.absolute)
            out = scaled(grads, apply, scale)
            hat = [n * scale if apply else n for n in norms32]
            self.gammas = hat if self.gammas is None else [min(a, b) for a, b in zip(self.gammas, hat)]
            return out, {"threshold": self.absolute, "clipped": apply, "scale": scale, "norm32": f32(l2(grads))}
        thresholds = [self.relative * gamma for gamma in self.gammas]
        out, hat, any_applied, smallest = [], [], False, 1.0
        for g, n32, t in zip(grads, norms32, thresholds):
            apply, scale = decide(l2([g]), t)
            out.append(scaled([g], apply, scale)[0])
            hat.append(n32 * scale if apply else n32)
            any_applied = any_applied or apply
            smallest = min(smallest, scale)
        self.gammas = [self.beta * gamma + (1 - self.beta) * h for gamma, h in zip(self.gammas, hat)]
        return out, {"thresholds": thresholds, "clipped": any_applied, "scale": smallest, "norm32": f32(l2(grads))}

    def state(self):
        return {"kind": "adaGC", "step": self.step, "tensors": list(self.names), "gammas": list(self.gammas)}


def unit_axes(shape):
    """AGC's default unit axes by rank (HWIO / IO layouts), as the NFNets reference code."""
    rank = len(shape)
    if rank <= 1:
        return tuple(range(rank))
    if rank in (2, 3):
        return (0,)
    if rank == 4:
        return (0, 1, 2)
    return (0, 1, 2, 3)


def unit_norms(array, axes):
    """Per unit (the slices left after reducing `axes`), the exact L2 norm: sqrt(fsum(x^2))."""
    kept = [a for a in range(array.ndim) if a not in axes]
    moved = np.moveaxis(array.astype(np.float64), kept + list(axes), list(range(array.ndim)))
    units = moved.reshape(int(np.prod([array.shape[a] for a in kept])) if kept else 1, -1)
    return [math.sqrt(math.fsum(float(v) * float(v) for v in unit)) for unit in units], kept


def agc(grad, param, clipping, eps, axes):
    """AGC: max_i = clipping * max(|W_i|, eps) with |W_i| rounded to float32; exact rule per unit."""
    g_norms, kept = unit_norms(grad, axes)
    p_norms, _ = unit_norms(param, axes)
    scales, applied = [], []
    for g, p in zip(g_norms, p_norms):
        apply, scale = decide(g, clipping * max(f32(p), eps))
        scales.append(np.float32(scale))
        applied.append(apply)
    if not any(applied):
        return grad, False, 1.0
    shape = [grad.shape[a] for a in kept]
    factor = np.array(scales, dtype=np.float32).reshape(shape) if kept else np.float32(scales[0])
    # Broadcast the per-unit factor back over the reduced axes.
    expanded = np.expand_dims(factor, tuple(axes)) if kept else factor
    return (grad * expanded).astype(np.float32), True, float(min(scales))


def agc_fixture():
    shapes = [[6, 5], [5], [3, 3, 2, 4], [2, 4, 3], [4, 3]]
    names = ["conv/dense", "dense/bias", "conv/kernel", "attention/qkv", "classifier"]
    cases = []
    for seed, clipping, eps, grad_scale, exclude in [
        (41, 0.01, 1e-3, 0.05, ["classifier"]),
        (42, 0.1, 1e-3, 0.05, []),
        (43, 0.01, 1e-3, 0.001, ["classifier"]),
        (44, 0.02, 0.5, 0.2, []),
    ]:
        rng = Random(seed)
        params, grads = [], []
        for i, shape in enumerate(shapes):
            size = int(np.prod(shape))
            # Unit 0 of every parameter is zero, so eps decides its threshold.
            values = [0.0 if k % shape[-1] == 0 and i != 1 else rng.normal() * 0.5 for k in range(size)]
            params.append(np.array(values, dtype=np.float64).astype(np.float32).reshape(shape))
        for shape in shapes:
            size = int(np.prod(shape))
            grads.append(np.array([rng.normal() * grad_scale for _ in range(size)], dtype=np.float64).astype(np.float32).reshape(shape))
        outputs, clipped, smallest = [], False, 1.0
        for name, g, p in zip(names, grads, params):
            if name in exclude:
                outputs.append(g)
                continue
            out, applied, scale = agc(g, p, clipping, eps, unit_axes(g.shape))
            outputs.append(out)
            clipped = clipped or applied
            smallest = min(smallest, scale)
        spec = {"kind": "agc", "clipping": clipping, "eps": eps}
        if exclude:
            spec["exclude"] = exclude
        cases.append({"seed": seed, "gradScale": grad_scale, "spec": spec, "clipped": clipped,
                      "scale": smallest, "checksum": checksum(outputs)})
        print(f"agc seed {seed}: clipped {clipped}, smallest scale {smallest}")
    data = {"shapes": shapes, "names": names, "cases": cases}
    with open(os.path.join(OUT, "..", "agc.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


SHAPES = [[6, 5], [5], [12]]
NAMES = ["dense/kernel", "dense/bias", "head"]


def sequence(seed, steps, spike_rate, spike_factor, tensor_scales):
    return {"seed": seed, "steps": steps, "spikeRate": spike_rate, "spikeFactor": spike_factor,
            "shapes": SHAPES, "names": NAMES, "tensorScales": tensor_scales}


def finite_json(value):
    """+inf (an uncapped threshold) as the string "Infinity", as gradclip's JSON spells it."""
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_json(v) for v in value]
    return value


def run(name, spec, seq, clipper, checkpoint):
    grads = gradient_sequence(seq)
    records, mid_state = [], None
    for step, g in enumerate(grads):
        out, info = clipper.clip(g)
        info["checksum"] = checksum(out)
        records.append(info)
        if step + 1 == checkpoint:
            mid_state = json.loads(json.dumps(clipper.state()))
    data = {"name": name, "spec": spec, "sequence": seq, "checkpoint": checkpoint,
            "checkpointState": mid_state, "finalState": clipper.state(), "steps": records}
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(finite_json(data), f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    clipped = sum(1 for r in records if r["clipped"])
    print(f"{name}: {len(records)} steps, {clipped} clipped")


def main():
    os.makedirs(OUT, exist_ok=True)
    scales = [0.08, 0.02, 0.05]
    run("auto-clip-full", {"kind": "autoClip"}, sequence(11, 600, 0.04, 25.0, scales),
        AutoClip(10, None), 300)
    run("auto-clip-window", {"kind": "autoClip", "percentile": 25, "window": 64},
        sequence(12, 400, 0.05, 40.0, scales), AutoClip(25, 64), 150)
    run("z-clip-default", {"kind": "zClip"}, sequence(21, 800, 0.03, 30.0, scales), ZClip(), 400)
    run("z-clip-uncapped-mean-skip",
        {"kind": "zClip", "maxNorm": "Infinity", "clipOption": "mean", "skipStatisticsOnSpike": True,
         "alpha": 0.9, "z": 2.0, "warmup": 10},
        sequence(22, 500, 0.05, 20.0, scales),
        ZClip(alpha=0.9, z=2.0, warmup=10, max_norm=math.inf, clip_option="mean", skip_statistics_on_spike=True), 200)
    run("z-clip-percentile", {"kind": "zClip", "mode": "percentile", "maxNorm": 5, "clipFactor": 0.8},
        sequence(23, 400, 0.05, 20.0, scales), ZClip(mode="percentile", max_norm=5.0, clip_factor=0.8), 100)
    run("ada-gc-default", {"kind": "adaGC"}, sequence(31, 1000, 0.03, 30.0, [0.3, 0.1, 0.2]),
        AdaGC(NAMES), 500)
    run("ada-gc-short-warmup", {"kind": "adaGC", "warmup": 20, "beta": 0.9, "relative": 1.2, "absolute": 0.5},
        sequence(32, 400, 0.05, 20.0, [0.3, 0.1, 0.2]), AdaGC(NAMES, beta=0.9, absolute=0.5, relative=1.2, warmup=20), 100)
    agc_fixture()


if __name__ == "__main__":
    main()
