#!/usr/bin/env python3
"""Cross-check fixtures from the real anchor libraries, committed with this script.

Run with Debian's python3 (apt: python3-torch python3-numpy):
    /usr/bin/python3 scripts/generate-anchor-fixtures.py

Writes fixtures/anchors/pytorch.json (torch.nn.utils.clip_grad_norm_ / clip_grad_value_, run for
real) and fixtures/anchors/exact.json (gradclip's exact rule evaluated independently: the norm
from math.fsum, a correctly rounded float64 sum, and numpy float32 arithmetic for the scale and
the multiply). The project's tests read the JSON; they never need Python.
"""
import json
import math
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "anchors")
F32 = np.float32


def to_json(value):
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 and math.copysign(1, value) < 0:
        return "-0"
    return value


def gradients(seed, shapes, scale):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(shape) * scale).astype(F32) for shape in shapes]


def with_grads(arrays):
    """Parameters whose .grad holds a copy of each array, as clip_grad_*_ expects."""
    params = []
    for a in arrays:
        p = torch.zeros(a.shape, dtype=torch.float32, requires_grad=True)
        p.grad = torch.from_numpy(a.copy())
        params.append(p)
    return params


def tensors_json(arrays, names):
    return [{"name": n, "shape": list(a.shape), "values": [to_json(x) for x in a.ravel()]} for n, a in zip(names, arrays)]


SETS = [
    ("mlp", 1, [(20, 25), (25,), (25, 1), (1,)], 0.3),
    ("odd", 2, [(7,), (1001,), (3, 3)], 1.0),
    ("huge", 3, [(5,), (4,)], 1e20),
    ("tiny", 4, [(6,)], 1e-20),
]
MAX_NORMS = [0.5, 1.0, 5.0, 1e3]
ORDERS = [1.0, 2.0, 3.0, math.inf]


def pytorch_cases():
    cases = []
    for name, seed, shapes, scale in SETS:
        arrays = gradients(seed, shapes, scale)
        names = [f"{name}/{i}" for i in range(len(arrays))]
        for order in ORDERS:
            for max_norm in MAX_NORMS:
                params = with_grads(arrays)
                total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=order)
                cases.append({
                    "id": f"clip_grad_norm_/{name}/p={order}/max_norm={max_norm}",
                    "function": "clip_grad_norm_",
                    "options": {"max_norm": max_norm, "norm_type": "inf" if math.isinf(order) else order},
                    "input": tensors_json(arrays, names),
                    "output": tensors_json([p.grad.numpy() for p in params], names),
                    "totalNorm": to_json(total.item()),
                    "exactNorm": exact_norm(arrays, order),
                    # PyTorch sums float32 powers: 1e20² overflows, so its norm is inf and it
                    # zeroes the gradients (#46849). gradclip's float64 norm does not overflow.
                    "float32Overflow": not math.isfinite(total.item()),
                })
        # The seed's threshold at exactly the norm: PyTorch still shrinks by c/(n + 1e-6).
        params = with_grads(arrays)
        at = float(torch.norm(torch.stack([torch.norm(p.grad, 2.0) for p in params]), 2.0))
        if not math.isfinite(at):
            continue
        total = torch.nn.utils.clip_grad_norm_(params, at)
        cases.append({
            "id": f"clip_grad_norm_/{name}/at-threshold",
            "function": "clip_grad_norm_",
            "options": {"max_norm": at, "norm_type": 2.0},
            "input": tensors_json(arrays, names),
            "output": tensors_json([p.grad.numpy() for p in params], names),
            "totalNorm": to_json(total.item()),
            "exactNorm": exact_norm(arrays, 2.0),
        })
    for clip_value in [0.1, 0.5, 2.0]:
        arrays = gradients(9, [(50,), (3, 4)], 1.0)
        arrays[0][3] = np.nan
        names = ["v/0", "v/1"]
        params = with_grads(arrays)
        torch.nn.utils.clip_grad_value_(params, clip_value)
        cases.append({
            "id": f"clip_grad_value_/clip_value={clip_value}",
            "function": "clip_grad_value_",
            "options": {"clip_value": clip_value},
            "input": tensors_json(arrays, names),
            "output": tensors_json([p.grad.numpy() for p in params], names),
        })
    return cases


def exact_norm(arrays, order):
    flat = np.concatenate([a.ravel().astype(np.float64) for a in arrays]) if arrays else np.zeros(0)
    if math.isinf(order):
        return float(np.max(np.abs(flat))) if flat.size else 0.0
    if order == 1:
        return math.fsum(abs(x) for x in flat)
    if order == 2:
        return math.sqrt(math.fsum(x * x for x in flat))
    return math.fsum(abs(x) ** order for x in flat) ** (1.0 / order)


def exact_scale(arrays, norm, max_norm):
    if norm <= max_norm:
        return [a.copy() for a in arrays], 1.0
    scale = F32(max_norm / norm)
    return [(a * scale).astype(F32) for a in arrays], float(scale)


def exact_cases():
    cases = []
    for name, seed, shapes, scale in SETS:
        arrays = gradients(seed, shapes, scale)
        names = [f"{name}/{i}" for i in range(len(arrays))]
        for order in ORDERS:
            for max_norm in MAX_NORMS:
                norm = exact_norm(arrays, order)
                out, s = exact_scale(arrays, norm, max_norm)
                cases.append({
                    "id": f"globalNorm/{name}/p={order}/maxNorm={max_norm}",
                    "spec": {"kind": "globalNorm", "maxNorm": max_norm, "p": "inf" if math.isinf(order) else order},
                    "input": tensors_json(arrays, names),
                    "output": tensors_json(out, names),
                    "norm": norm,
                    "scale": s,
                })
                per = [exact_scale([a], exact_norm([a], order), max_norm)[0][0] for a in arrays]
                cases.append({
                    "id": f"norm/{name}/p={order}/maxNorm={max_norm}",
                    "spec": {"kind": "norm", "maxNorm": max_norm, "p": "inf" if math.isinf(order) else order},
                    "input": tensors_json(arrays, names),
                    "output": tensors_json(per, names),
                })
        for bound in [0.05, 1.0]:
            clipped = [np.where(a < F32(-bound), F32(-bound), np.where(a > F32(bound), F32(bound), a)).astype(F32) for a in arrays]
            cases.append({
                "id": f"value/{name}/bound={bound}",
                "spec": {"kind": "value", "min": -bound, "max": bound},
                "input": tensors_json(arrays, names),
                "output": tensors_json(clipped, names),
            })
    return cases


def write(name, cases, source):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump({"source": source, "cases": cases}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(cases)} cases")


if __name__ == "__main__":
    write("pytorch.json", pytorch_cases(), f"torch {torch.__version__} (Debian python3-torch), CPU, float32")
    write("exact.json", exact_cases(), f"numpy {np.__version__} float32 arithmetic, math.fsum norms")
