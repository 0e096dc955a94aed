#!/usr/bin/env python3
"""Cross-check fixtures for the composite kinds (groups, skipOnSpike, perExample, lossScaled,
blockRms), committed with this script.

Run with Debian's python3 (apt: python3-numpy, python3-torch), from packages/core:
    /usr/bin/python3 scripts/generate-composite-fixtures.py

Writes fixtures/composite/<kind>.json (hand-built edge cases and seeded realistic gradients, with
their exact float32 outputs and report fields) and fixtures/composite/kit-kinds.json (the same
implementation run on the inputs of the conformance kit's `kinds/*` cases, read from
src/conformance/cases/kinds.json -- inputs only, never its expectations). The tests
(src/strategies/composite-fixtures.test.ts) replay every case through core's reference backend
bit for bit and check that each kit case agrees with this script. The tests never need Python.

Each kind is implemented here independently of the TypeScript, from the published algorithm:

- groups (Megatron-LM: some parameter groups are clipped by their own norm and threshold): each
  tensor goes to the first group that lists it or whose glob (`*` any run, `?` one character)
  matches its name; each group's spec runs on that group's tensors alone; the rest go to `rest` or
  pass unchanged; a group that skips skips the whole update. The groups' norms combine as
  sqrt(sum n_g^2), as Megatron combines its dense and expert norms.
- skipOnSpike (Megatron-LM `grad_norm_skip_threshold`): global norm > maxNorm (or not finite)
  skips the update: gradients unchanged, `skipped`.
- perExample (Abadi et al. 2016; Optax `per_example_global_norm_clip`; Opacus flat clipping,
  optimizer.py): each tensor holds a batch on axis 0; example b's norm runs across every tensor;
  each example is clipped by it; then the examples are summed, averaged or kept; the number of
  examples whose multiplier is below 1 is reported (Optax's `num_clipped`). Under
  `compat: 'pytorch'` the multiplier is Opacus's `(max_grad_norm / (norms + 1e-6)).clamp(max=1)`,
  computed here with torch on the float32 norms, literally as Opacus writes it.
- lossScaled (mixed precision: unscale, then clip by the unscaled global norm).
- blockRms (Optax `clip_by_block_rms`: per tensor rms(u) = |u|_2 / sqrt(size) held to threshold,
  i.e. the norm held to threshold * sqrt(size)).

Where the algorithms leave the arithmetic to a framework, gradclip's contract (README, "The
contract") fixes it, and this script follows the contract:
- the norm: S = math.fsum of |g|^p (correctly rounded; |g| and g^2 of a float32 are exact in
  float64), n = sqrt(S) for p = 2, S for p = 1, max|g| for p = inf;
- the exact rule: n <= c leaves g unchanged bit for bit, else g * float32(c / n) in float32 (a
  scale that rounds to 1 changes nothing); c = 0 zeroes (signs kept), c = inf is the identity;
- compat 'pytorch': coef = min(float32(c) / (float32(n) + 1e-6), 1) in float32, multiplied even
  below the threshold; compat 'optax': strict n < c, else (g / float32(n)) * c in float32;
  compat 'keras' (Keras 3): globally g * (c * min(1 / n, 1 / c)), per tensor g * c / max(n, c),
  in float32 (thresholds 0 and inf keep the exact rule's meaning in every mode);
- nonFinite: 'zero' replaces NaN and +-inf by +0 first; 'propagate' computes on them (an infinite
  norm gives scale 0: finite entries become +-0, infinities NaN); 'skip' returns the input with
  `skipped`;
- perExample 'sum' adds the examples' float32 values in float64 in batch order and rounds once;
  'mean' divides that float64 sum by the batch size before rounding (where Opacus sums in float32
  with einsum: the contract fixes one order every backend shares);
- lossScaled: each element float32(float32(g / L) * s), the decision taken on the unscaled norm;
- blockRms: the threshold is threshold * sqrt(size) in float64.

- a report's `scale` is the smallest factor applied (NaN when a NaN norm gave a NaN factor).

A report lists only the fields the contract defines; the test compares those exactly, but for
report norms (estimates in the contract) and float64 aggregates of norms, within the tolerances
its header states and justifies.

To regenerate: run the command above, rerun the test, and review the JSON diff like code (a
changed expected value is a changed contract or a bug on one side). Also rerun after changing a
`kinds/*` case in scripts/generate-cases.ts (kit-kinds.json follows its inputs).
"""
import importlib.util
import json
import math
import os
from fractions import Fraction

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
OUT = os.path.join(ROOT, "fixtures", "composite")
KIT = os.path.join(ROOT, "src", "conformance", "cases", "kinds.json")

# core's seeded generator (sfc32 through splitmix32), already ported for the adaptive fixtures:
# the kit's generated inputs ({"generate": {"kind": "normal"}}) are drawn with it.
_spec = importlib.util.spec_from_file_location("adaptive", os.path.join(HERE, "generate-adaptive-fixtures.py"))
_adaptive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_adaptive)
Random = _adaptive.Random

F32 = np.float32
np.seterr(all="ignore")  # inf * 0 and the like are intended (nonFinite 'propagate')
INF = math.inf


def f32(x):
    return float(np.float32(x))


class Skip(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# JSON: gradclip's float forms ("NaN", "Infinity", "-Infinity", "-0")


def float_json(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 and math.copysign(1.0, x) < 0:
        return "-0"
    if x == int(x) and abs(x) < 2**53:
        return int(x)
    return x


def float_from_json(v):
    return {"NaN": math.nan, "Infinity": INF, "-Infinity": -INF, "-0": -0.0}.get(v, v) if isinstance(v, str) else float(v)


def tensor_json(name, array):
    return {"name": name, "shape": list(array.shape), "values": [float_json(v) for v in array.astype(np.float64).ravel()]}


# A spec's infinite thresholds as "Infinity" (the adaptive fixtures' writer).
spec_json = _adaptive.finite_json


def report_json(report):
    out = {}
    for key, value in report.items():
        if key == "steps":
            out[key] = [report_json(step) for step in value]
        elif isinstance(value, float):
            out[key] = float_json(value)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# Norms and decisions


def power_sum(arrays, p):
    """The exact power sum, correctly rounded (max |g| for p = inf); NaN if any value is NaN."""
    values = [float(v) for a in arrays for v in np.asarray(a, dtype=np.float64).ravel()]
    if any(math.isnan(v) for v in values):
        return math.nan
    if p == INF:
        return max((abs(v) for v in values), default=0.0)
    if any(math.isinf(v) for v in values):
        return INF
    if p == 1:
        return math.fsum(abs(v) for v in values)
    return math.fsum(v * v for v in values)


def norm_of(arrays, p):
    s = power_sum(arrays, p)
    return math.sqrt(s) if p == 2 else s


def twice_rounded_norm(arrays, p):
    """The norm from each tensor's correctly rounded sum, those added exactly and rounded again."""
    parts = [Fraction(power_sum([a], p)) for a in arrays]
    s = float(sum(parts, Fraction(0)))
    return math.sqrt(s) if p == 2 else s


def least(a, b):
    """The smaller scale for the report; a NaN scale (a NaN norm under 'propagate') wins."""
    return math.nan if math.isnan(a) or math.isnan(b) else min(a, b)


def exact_decision(n, c):
    """The exact rule: (apply, float32 scale)."""
    if c == INF:
        return False, 1.0
    if c == 0:
        return (False, 1.0) if n == 0 else (True, 0.0)
    if n <= c:
        return False, 1.0
    scale = f32(c / n)
    return (scale != 1.0), scale


def opacus_factor(n, c):
    """PyTorch / Opacus: (max_norm / (norm + 1e-6)).clamp(max=1.0) on a float32 norm, in torch."""
    norm = torch.tensor([f32(n)], dtype=torch.float32)
    return float((c / (norm + 1e-6)).clamp(max=1.0)[0])


def decision(n, c, compat):
    """(apply, scale, how): how is 'multiply' or 'optax' (divide by the norm, then multiply)."""
    if compat == "exact" or c == 0 or c == INF:
        apply, scale = exact_decision(n, c)
        return apply, scale, "multiply"
    if compat == "pytorch":
        coef = opacus_factor(n, c)
        return coef != 1.0, coef, "multiply"
    if compat == "keras":
        # Keras 3 clip_by_global_norm: scale = clip_norm * minimum(1 / norm, 1 / clip_norm), float32
        c32, n32 = F32(c), F32(n)
        scale = float(c32 * np.minimum(F32(1) / n32, F32(1) / c32))
        return scale != 1.0, scale, "multiply"
    if compat == "optax":
        if n < c:
            return False, 1.0, "multiply"
        return True, f32(n), "optax"
    raise ValueError(compat)


def apply_decision(array, apply, scale, how, c):
    if not apply:
        return array
    if how == "optax":
        # (t / g_norm) * max_norm, each operation in float32
        return ((array / F32(scale)).astype(F32) * F32(c)).astype(F32)
    return (array * F32(scale)).astype(F32)


# ---------------------------------------------------------------------------------------------
# The kinds: run(spec, names, arrays) -> (outputs, report)


def defaults(spec, inherited):
    return {"nonFinite": spec.get("nonFinite", inherited["nonFinite"]), "compat": spec.get("compat", inherited["compat"])}


def non_finite_count(arrays):
    return int(sum(int(np.count_nonzero(~np.isfinite(a))) for a in arrays))


def screen(arrays, policy):
    """The nonFinite policy before a kind runs: (arrays, count); raises Skip for 'skip'."""
    count = non_finite_count(arrays)
    if count == 0:
        return arrays, 0
    if policy == "zero":
        return [np.where(np.isfinite(a), a, F32(0)).astype(F32) for a in arrays], count
    if policy == "skip":
        raise Skip(count)
    if policy == "propagate":
        return arrays, count
    raise ValueError(f"policy {policy} with non-finite values is not generated here")


def run(spec, names, arrays, inherited=None):
    inherited = inherited or {"nonFinite": "error", "compat": "exact"}
    options = defaults(spec, inherited)
    kind = spec["kind"]
    if kind in ("groups", "chain"):
        return RUNNERS[kind](spec, names, arrays, options)
    try:
        screened, count = screen(arrays, options["nonFinite"])
    except Skip as skip:
        return list(arrays), {"kind": kind, "clipped": False, "nonFiniteCount": skip.args[0], "skipped": True}
    outputs, report = RUNNERS[kind](spec, names, screened, options)
    report["nonFiniteCount"] = count
    report.setdefault("skipped", False)
    if "clipped" not in report:
        report["clipped"] = any(not np.array_equal(o.view(np.uint32), a.view(np.uint32)) for o, a in zip(outputs, arrays))
    return outputs, report


def global_norm(spec, names, arrays, options):
    p = spec.get("p", 2)
    c = spec["maxNorm"]
    n = norm_of(arrays, p)
    apply, scale, how = decision(n, c, options["compat"])
    outputs = [apply_decision(a, apply, scale, how, c) for a in arrays]
    after = n * scale if apply and how == "multiply" else n
    report = {"kind": "globalNorm", "normBefore": n}
    if how == "multiply":  # Optax's divide-then-multiply has no single scale: the contract names none
        report.update(normAfter=after, scale=scale)
    return outputs, report


def per_tensor_norm(spec, names, arrays, options):
    p = spec.get("p", 2)
    c = spec["maxNorm"]
    outputs, smallest, after = [], 1.0, []
    if options["compat"] == "keras" and c not in (0, INF):
        # Keras 3 _clip_by_norm: g * clipnorm / maximum(l2norm, clipnorm), left to right in float32
        outputs = [((a * F32(c)).astype(F32) / np.maximum(F32(norm_of([a], 2)), F32(c))).astype(F32) for a in arrays]
        return outputs, {"kind": "norm", "normBefore": norm_of(arrays, 2)}
    for a in arrays:
        n = norm_of([a], p)
        apply, scale, how = decision(n, c, options["compat"])
        outputs.append(apply_decision(a, apply, scale, how, c))
        smallest = least(smallest, scale)
        after.append(n * scale if apply else n)
    norm_after = max(after, default=0.0) if p == INF else math.fsum(x**p for x in after) ** (1 / p)
    return outputs, {"kind": "norm", "normBefore": norm_of(arrays, p), "normAfter": norm_after, "scale": smallest}


def value(spec, names, arrays, options):
    lo, hi = F32(spec["min"]), F32(spec["max"])
    outputs = [np.where(a < lo, lo, np.where(a > hi, hi, a)).astype(F32) for a in arrays]
    return outputs, {"kind": "value", "normBefore": norm_of(arrays, 2), "normAfter": norm_of(outputs, 2), "scale": None}


def skip_on_spike(spec, names, arrays, options):
    p = spec.get("p", 2)
    n = norm_of(arrays, p)
    spike = not (n <= spec["maxNorm"])  # a NaN or infinite norm is a spike too
    report = {"kind": "skipOnSpike", "normBefore": n, "normAfter": n, "scale": 1.0, "skipped": spike,
              "threshold": float(spec["maxNorm"])}
    if spike:
        report["clipped"] = False
    return arrays, report


def block_rms(spec, names, arrays, options):
    t = spec["threshold"]
    outputs, smallest, thresholds = [], 1.0, []
    for a in arrays:
        c = t if t == INF else t * math.sqrt(a.size)
        thresholds.append(c)
        apply, scale = exact_decision(norm_of([a], 2), c)
        outputs.append((a * F32(scale)).astype(F32) if apply else a)
        smallest = least(smallest, scale)
    return outputs, {"kind": "blockRms", "normBefore": norm_of(arrays, 2), "scale": smallest,
                     "perTensorThresholds": thresholds}


def loss_scaled(spec, names, arrays, options):
    p = spec.get("p", 2)
    unscaled = [(a / F32(spec["lossScale"])).astype(F32) for a in arrays]
    n = norm_of(unscaled, p)
    apply, scale = exact_decision(n, spec["maxNorm"])
    outputs = [(u * F32(scale)).astype(F32) if apply else u for u in unscaled]
    return outputs, {"kind": "lossScaled", "normBefore": n, "normAfter": n * scale if apply else n, "scale": scale}


def per_example(spec, names, arrays, options):
    p = spec.get("p", 2)
    c = spec["maxNorm"]
    reduce = spec.get("reduce", "sum")
    batch = arrays[0].shape[0]
    scaled = [a.copy() for a in arrays]
    clipped_examples, smallest, after = 0, 1.0, []
    for b in range(batch):
        n = norm_of([a[b] for a in arrays], p)
        apply, scale, _ = decision(n, c, options["compat"])
        if apply:
            clipped_examples += 1
            for out, a in zip(scaled, arrays):
                out[b] = (a[b] * F32(scale)).astype(F32)
        smallest = least(smallest, scale)
        after.append(n * scale if apply else n)
    if reduce == "none":
        outputs = scaled
    else:
        outputs = []
        for a in scaled:
            total = np.zeros(a.shape[1:], dtype=np.float64)
            for b in range(batch):  # float64, in batch order, rounded once
                total = total + a[b].astype(np.float64)
            outputs.append((total / batch if reduce == "mean" else total).astype(F32))
    norm_after = max(after) if p == INF else (math.fsum(x**p for x in after)) ** (1 / p)
    return outputs, {"kind": "perExample", "normBefore": norm_of(arrays, p), "normAfter": norm_after,
                     "scale": smallest, "clipped": clipped_examples > 0 or reduce != "none",
                     "clippedExamples": clipped_examples}


def glob_matches(pattern, name):
    """`*` matches any run of characters (slashes included), `?` one character; the rest literally."""
    if not pattern:
        return not name
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(glob_matches(rest, name[i:]) for i in range(len(name) + 1))
    if not name:
        return False
    return (head == "?" or head == name[0]) and glob_matches(rest, name[1:])


def combine(norms):
    return math.sqrt(sum(n * n for n in norms))


def groups(spec, names, arrays, options):
    member = []
    for name in names:
        index = -1
        for g, group in enumerate(spec["groups"]):
            if name in group.get("tensors", []) or ("pattern" in group and glob_matches(group["pattern"], name)):
                index = g
                break
        member.append(index)
    parts = [(group["spec"], [i for i, m in enumerate(member) if m == g]) for g, group in enumerate(spec["groups"])]
    if "rest" in spec:
        parts.append((spec["rest"], [i for i, m in enumerate(member) if m == -1]))
    outputs, steps = list(arrays), []
    for part_spec, indices in parts:
        out, report = run(part_spec, [names[i] for i in indices], [arrays[i] for i in indices], options)
        steps.append(report)
        if report["skipped"]:
            report = {"kind": "groups", "scale": None, "clipped": False, "skipped": True, "steps": steps}
            if all("normBefore" in s for s in steps):
                report["normBefore"] = report["normAfter"] = combine([s["normBefore"] for s in steps])
            if all("nonFiniteCount" in s for s in steps):
                report["nonFiniteCount"] = sum(s["nonFiniteCount"] for s in steps)
            return list(arrays), report
        for i, o in zip(indices, out):
            outputs[i] = o
    report = {"kind": "groups", "scale": None, "clipped": any(s["clipped"] for s in steps), "skipped": False,
              "steps": steps}
    for field in ("normBefore", "normAfter", "nonFiniteCount"):
        if all(field in s for s in steps):  # a chain's report has no norms of its own
            values = [s[field] for s in steps]
            report[field] = sum(values) if field == "nonFiniteCount" else combine(values)
    return outputs, report


def chain(spec, names, arrays, options):
    current, steps = list(arrays), []
    for step in spec["steps"]:
        current, report = run(step, names, current, options)
        steps.append(report)
        if report["skipped"]:
            return list(arrays), {"kind": "chain", "scale": None, "clipped": False, "skipped": True, "steps": steps}
    return current, {"kind": "chain", "scale": None, "clipped": any(s["clipped"] for s in steps), "skipped": False,
                     "steps": steps}


RUNNERS = {"globalNorm": global_norm, "norm": per_tensor_norm, "value": value, "skipOnSpike": skip_on_spike,
           "blockRms": block_rms, "lossScaled": loss_scaled, "perExample": per_example, "groups": groups,
           "chain": chain}


# ---------------------------------------------------------------------------------------------
# Cases


def rng(seed):
    return np.random.default_rng(seed)


def normal(r, shape, scale):
    return (r.standard_normal(shape) * scale).astype(F32)


def below(x):
    return float(np.nextafter(x, -INF))


def above(x):
    return float(np.nextafter(x, INF))


def resolved(value):
    """A spec as gradclip's JSON writes it -> numbers ("inf", "Infinity" -> inf)."""
    if isinstance(value, dict):
        return {k: resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v) for v in value]
    return {"inf": INF, "Infinity": INF, "-Infinity": -INF}.get(value, value) if isinstance(value, str) else value


def case(cid, description, spec, named):
    names = [n for n, _ in named]
    arrays = [np.asarray(a, dtype=F32) for _, a in named]
    outputs, report = run(resolved(spec_json(spec)), names, arrays)
    return {"id": cid, "description": description, "spec": spec_json(spec),
            "input": [tensor_json(n, a) for n, a in zip(names, arrays)],
            "expect": {"outputs": [tensor_json(n, o) for n, o in zip(names, outputs)], "report": report_json(report)}}


def transformer(seed):
    """A small transformer's gradients: embeddings, attention, two experts, a norm, a head."""
    r = rng(seed)
    return [
        ("embedding", normal(r, [12, 6], 0.02)),
        ("layers.0/attention/qkv", normal(r, [6, 18], 0.3)),
        ("layers.0/attention/proj", normal(r, [6, 6], 0.2)),
        ("layers.0/mlp/expert.0/fc", normal(r, [6, 8], 1.5)),
        ("layers.0/mlp/expert.1/fc", normal(r, [6, 8], 0.05)),
        ("layers.0/norm/scale", normal(r, [6], 0.01)),
        ("head", normal(r, [6, 5], 4.0)),
    ]


def groups_cases():
    cases = []
    grads = transformer(101)
    cases.append(case(
        "megatron-dense-expert-embedding",
        "Megatron-style groups: experts by glob, the embedding by name, the rest; each by its own global norm",
        {"kind": "groups", "groups": [
            {"name": "experts", "pattern": "*/expert.*", "spec": {"kind": "globalNorm", "maxNorm": 1}},
            {"name": "embedding", "tensors": ["embedding"], "spec": {"kind": "globalNorm", "maxNorm": 0.05}},
        ], "rest": {"kind": "globalNorm", "maxNorm": 2}},
        grads))
    # Thresholds at the edge: a group whose norm is exactly its threshold (unchanged, bit for bit), one
    # whose threshold is one float64 ULP below its norm (the scale rounds to 1: unchanged), a zero
    # group with threshold 0 (zeros, -0 kept), and a group clipped to zero.
    cases.append(case(
        "at-threshold-zero-norm-zero-threshold",
        "a group exactly at its threshold, one a ULP above it (scale rounds to 1), an all-zero group at threshold 0, a group zeroed by threshold 0",
        {"kind": "groups", "groups": [
            {"name": "at", "tensors": ["at/a", "at/b"], "spec": {"kind": "globalNorm", "maxNorm": 13 * 2.0**-7}},
            {"name": "ulp", "pattern": "ulp/*", "spec": {"kind": "globalNorm", "maxNorm": below(13.0)}},
            {"name": "zeros", "pattern": "zeros/*", "spec": {"kind": "globalNorm", "maxNorm": 0}},
            {"name": "zeroed", "pattern": "zeroed/*", "spec": {"kind": "globalNorm", "maxNorm": 0}},
        ]},
        [("at/a", np.array([3, -4], dtype=F32) * F32(2.0**-7)), ("at/b", np.array([12 * 2.0**-7], dtype=F32)),
         ("ulp/a", [5.0, 0.0]), ("ulp/b", [-12.0]),
         ("zeros/a", [0.0, -0.0, 0.0]), ("zeroed/a", [1.5, -0.0, -2.25, 0.0])]))
    r = rng(102)
    cases.append(case(
        "first-match-globs-mixed-specs",
        "first matching group wins (a listed name in a later group loses to an earlier glob); '.' is literal, '?' one character; per-tensor norm, value, p = 1 and p = inf groups; an empty group; ungrouped tensors unchanged",
        {"kind": "groups", "groups": [
            {"name": "block-1", "pattern": "block.?/*", "spec": {"kind": "norm", "maxNorm": 0.5}},
            {"name": "listed", "tensors": ["block.1/w", "blockX1/w"], "spec": {"kind": "value", "min": -0.25, "max": 0.25}},
            {"name": "l1", "pattern": "block.1?/*", "spec": {"kind": "globalNorm", "maxNorm": 3, "p": 1}},
            {"name": "linf", "pattern": "out/*", "spec": {"kind": "globalNorm", "maxNorm": 0.75, "p": "inf"}},
            {"name": "none", "pattern": "nothing/*", "spec": {"kind": "globalNorm", "maxNorm": 1}},
        ]},
        [("block.1/w", normal(r, [4, 3], 0.6)), ("block.1/b", normal(r, [3], 0.1)),
         ("blockX1/w", normal(r, [4, 3], 0.6)), ("block.10/w", normal(r, [3, 3], 0.9)),
         ("out/w", normal(r, [5, 2], 1.0)), ("stray", normal(r, [7], 3.0))]))
    r = rng(103)
    bad = normal(r, [3, 4], 0.5)
    bad[0, 1], bad[2, 3] = np.nan, np.inf
    inf_group = normal(r, [6], 0.5)
    inf_group[4] = -np.inf
    cases.append(case(
        "non-finite-policies-per-group",
        "nonFinite per group: 'zero' (NaN and inf replaced by 0 first), 'propagate' (an infinite norm zeroes finite entries, signs kept, inf becomes NaN), a finite rest",
        {"kind": "groups", "groups": [
            {"name": "zeroed", "pattern": "zero/*", "spec": {"kind": "globalNorm", "maxNorm": 0.5, "nonFinite": "zero"}},
            {"name": "propagated", "pattern": "prop/*", "spec": {"kind": "globalNorm", "maxNorm": 1, "nonFinite": "propagate"}},
        ], "rest": {"kind": "globalNorm", "maxNorm": 0.1}},
        [("zero/w", bad), ("prop/w", inf_group), ("dense", normal(r, [5, 2], 0.3))]))
    grads = transformer(104)
    cases.append(case(
        "compat-modes-per-group",
        "compat per group: 'pytorch' (g·min(c/(n+1e-6), 1), multiplied below the threshold too) and 'optax' (strict n < c, (g/n)·c); the groups inherit the outer nonFinite",
        {"kind": "groups", "nonFinite": "propagate", "groups": [
            {"name": "torch", "pattern": "layers.0/attention/*", "spec": {"kind": "globalNorm", "maxNorm": 10, "compat": "pytorch"}},
            {"name": "optax", "pattern": "layers.0/mlp/*", "spec": {"kind": "globalNorm", "maxNorm": 1, "compat": "optax"}},
            {"name": "torch-clipped", "tensors": ["head"], "spec": {"kind": "globalNorm", "maxNorm": 1, "compat": "pytorch"}},
        ]},
        grads))
    # A threshold c with c · float32(1 / c) != 1 in float32: Keras's global scale below the threshold.
    c = next(k / 10 for k in range(1, 100) if float(F32(k / 10) * (F32(1) / F32(k / 10))) != 1.0)
    grads = transformer(106)
    cases.append(case(
        "compat-keras-per-group",
        f"compat 'keras' per group: global c·min(1/n, 1/c) (below the threshold c = {c:g} it is c·fl(1/c) != 1, applied), and per tensor g·c / max(n, c)",
        {"kind": "groups", "groups": [
            {"name": "global-below", "pattern": "layers.0/attention/*", "spec": {"kind": "globalNorm", "maxNorm": c * 100, "compat": "keras"}},
            {"name": "global-above", "pattern": "layers.0/mlp/*", "spec": {"kind": "globalNorm", "maxNorm": c, "compat": "keras"}},
            {"name": "per-tensor", "pattern": "*", "spec": {"kind": "norm", "maxNorm": 0.5, "compat": "keras"}},
        ]},
        grads))
    r = rng(105)
    head = normal(r, [4, 4], 2.0)
    body = normal(r, [8], 0.2)
    n_head = norm_of([head], 2)
    cases.append(case(
        "skipped-group-skips-update",
        "a group whose skipOnSpike fires (its norm one ULP above the bound) skips the whole update: every tensor unchanged, the steps end there",
        {"kind": "groups", "groups": [
            {"name": "body", "tensors": ["body"], "spec": {"kind": "globalNorm", "maxNorm": 0.1}},
            {"name": "head", "tensors": ["head"], "spec": {"kind": "skipOnSpike", "maxNorm": below(n_head)}},
        ], "rest": {"kind": "globalNorm", "maxNorm": 1}},
        [("body", body), ("head", head), ("other", normal(r, [3], 5.0))]))
    cases.append(case(
        "group-chain-not-skipped",
        "a group whose chain [skipOnSpike at its norm exactly, globalNorm] passes the skip and clips",
        {"kind": "groups", "groups": [
            {"name": "head", "tensors": ["head"], "spec": {"kind": "chain", "steps": [
                {"kind": "skipOnSpike", "maxNorm": n_head}, {"kind": "globalNorm", "maxNorm": 1}]}},
        ], "rest": {"kind": "globalNorm", "maxNorm": 0.1}},
        [("body", body), ("head", head), ("other", normal(r, [3], 5.0))]))
    return cases


def skip_on_spike_cases():
    cases = []

    def draw(seed):
        # Element magnitudes over eight decades, as gradients of rarely and often used weights.
        r = rng(seed)
        return [(name, (r.standard_normal(shape) * scale * np.exp(r.uniform(-9, 9, shape))).astype(F32))
                for name, shape, scale in [("dense/kernel", [8, 6], 0.4), ("dense/bias", [6], 0.05), ("head", [6, 3], 1.3)]]

    def discriminating(p, seed):
        # The first draw whose per-tensor sums, each rounded and then added, round to another norm
        # than the exact sum: a decision taken from such a sum would skip differently at the bounds.
        while twice_rounded_norm([a for _, a in draw(seed)], p) == norm_of([a for _, a in draw(seed)], p):
            seed += 1
        return draw(seed)

    for p, label in [(2, "l2"), (1, "l1"), (INF, "linf")]:
        grads = draw(201) if p == INF else discriminating(p, 201)
        arrays = [a for _, a in grads]
        n = norm_of(arrays, p)
        pj = {} if p == 2 else {"p": "inf" if p == INF else p}
        for bound, where in [(n, "at"), (above(n), "just-below"), (below(n), "just-above")]:
            cases.append(case(
                f"{label}-norm-{where}-bound",
                f"{label} global norm {where.replace('-', ' ')} the bound (the bound is the correctly rounded norm"
                + ("" if where == "at" else ", one float64 ULP away") + "): "
                + ("skipped" if where == "just-above" else "not skipped"),
                {"kind": "skipOnSpike", "maxNorm": bound, **pj}, grads))
    r = rng(202)
    huge = [("big", normal(r, [5, 4], 4e19)), ("small", normal(r, [3], 1e18))]
    n = norm_of([a for _, a in huge], 2)
    cases.append(case("huge-gradients-just-above", "gradients near 1e20 (squares overflow float32): one ULP above the bound skips",
                      {"kind": "skipOnSpike", "maxNorm": below(n)}, huge))
    cases.append(case("huge-gradients-at", "gradients near 1e20: at the bound, not skipped", {"kind": "skipOnSpike", "maxNorm": n}, huge))
    r = rng(203)
    with_nan = normal(r, [4, 3], 0.1)
    with_nan[1, 2] = np.nan
    with_inf = normal(r, [5], 0.1)
    with_inf[3] = np.inf
    finite = normal(r, [3, 2], 0.1)
    cases.append(case("propagate-infinite-norm", "nonFinite 'propagate': an infinite norm is a spike (skipped)",
                      {"kind": "skipOnSpike", "maxNorm": 1e30, "nonFinite": "propagate"}, [("a", finite), ("b", with_inf)]))
    cases.append(case("propagate-nan-norm", "nonFinite 'propagate': a NaN norm is a spike (skipped)",
                      {"kind": "skipOnSpike", "maxNorm": 1e30, "nonFinite": "propagate"}, [("a", with_nan), ("b", finite)]))
    cases.append(case("zero-policy-below", "nonFinite 'zero': NaN and inf become 0, then the norm is below the bound: not skipped, output changed",
                      {"kind": "skipOnSpike", "maxNorm": 10, "nonFinite": "zero"}, [("a", with_nan), ("b", with_inf)]))
    cases.append(case("skip-policy", "nonFinite 'skip': skipped, the non-finite values counted",
                      {"kind": "skipOnSpike", "maxNorm": 10, "nonFinite": "skip"}, [("a", with_nan), ("b", with_inf)]))
    cases.append(case("zero-gradients-zero-bound", "all-zero gradients at bound 0: not skipped (0 > 0 is false)",
                      {"kind": "skipOnSpike", "maxNorm": 0}, [("a", [0.0, -0.0]), ("b", [0.0])]))
    grads = discriminating(2, 201)
    n = norm_of([a for _, a in grads], 2)
    for bound, where in [(above(n), "below"), (below(n), "above")]:
        cases.append(case(
            f"chain-first-{where}",
            f"chain [skipOnSpike, globalNorm 1] with the norm just {where} the skip bound: "
            + ("clipped by the second step" if where == "below" else "skipped, the chain stops"),
            {"kind": "chain", "steps": [{"kind": "skipOnSpike", "maxNorm": bound}, {"kind": "globalNorm", "maxNorm": 1}]},
            grads))
    return cases


def batch_grads(seed, batch, scales, zero_examples=(), at=None):
    """Per-example gradients of a small model; example magnitudes vary over two decades."""
    r = rng(seed)
    levels = np.exp(r.uniform(np.log(0.05), np.log(5.0), batch))
    shapes = [("conv/kernel", [3, 2, 2]), ("dense/kernel", [4, 3]), ("dense/bias", [3])]
    out = []
    for (name, shape), scale in zip(shapes, scales):
        values = r.standard_normal([batch] + shape) * scale * levels.reshape([batch] + [1] * len(shape))
        values = values.astype(F32)
        for b in zero_examples:
            values[b] = 0
        if at is not None:
            # Example `at[0]` has norm exactly at[1]: entries 3·k and 4·k in the bias, 0 elsewhere.
            values[at[0]] = 0
            if name == "dense/bias":
                values[at[0], 0] = F32(0.6 * at[1])
                values[at[0], 2] = F32(-0.8 * at[1])
        out.append((name, values))
    return out


def per_example_cases():
    cases = []
    c = 0.625
    cases.append(case(
        "optax-sum-with-zero-and-at-threshold",
        "sum over a batch of 8 (Optax, Opacus): an all-zero example, an example whose norm is exactly the threshold 0.625 (unchanged)",
        {"kind": "perExample", "maxNorm": c},
        batch_grads(301, 8, [0.2, 0.3, 0.1], zero_examples=(2,), at=(5, c))))
    cases.append(case("mean-batch-5", "mean over a batch of 5", {"kind": "perExample", "maxNorm": 1, "reduce": "mean"},
                      batch_grads(302, 5, [0.3, 0.3, 0.2])))
    cases.append(case("none-batch-1", "a batch of one, kept", {"kind": "perExample", "maxNorm": 0.3, "reduce": "none"},
                      batch_grads(303, 1, [0.3, 0.3, 0.2])))
    cases.append(case("sum-batch-1", "a batch of one, summed (the batch axis dropped)", {"kind": "perExample", "maxNorm": 0.3},
                      batch_grads(303, 1, [0.3, 0.3, 0.2])))
    cases.append(case(
        "opacus-sum",
        "compat 'pytorch': Opacus's factor (c / (n + 1e-6)).clamp(max = 1) on every example; the example exactly at the threshold is scaled, the zero example is not",
        {"kind": "perExample", "maxNorm": c, "compat": "pytorch"},
        batch_grads(301, 8, [0.2, 0.3, 0.1], zero_examples=(2,), at=(5, c))))
    cases.append(case("opacus-none", "compat 'pytorch', batch kept", {"kind": "perExample", "maxNorm": 1, "compat": "pytorch", "reduce": "none"},
                      batch_grads(304, 6, [0.5, 0.2, 0.2])))
    cases.append(case("l1-none", "p = 1 per-example norms, batch kept", {"kind": "perExample", "maxNorm": 2, "p": 1, "reduce": "none"},
                      batch_grads(305, 4, [0.2, 0.2, 0.2])))
    cases.append(case("linf-mean", "p = inf per-example norms, mean", {"kind": "perExample", "maxNorm": 0.5, "p": "inf", "reduce": "mean"},
                      batch_grads(306, 4, [0.2, 0.2, 0.2])))
    cases.append(case("zero-threshold-sum", "threshold 0: every example zeroed (a zero example stays zero: Optax's nan_to_num(…, nan=1) gives the same bits)",
                      {"kind": "perExample", "maxNorm": 0}, batch_grads(307, 3, [0.2, 0.2, 0.2], zero_examples=(1,))))
    cases.append(case("infinite-threshold-sum", "threshold Infinity: no example clipped, only summed",
                      {"kind": "perExample", "maxNorm": INF}, batch_grads(308, 4, [0.2, 0.2, 0.2])))
    grads = batch_grads(309, 4, [0.2, 0.2, 0.2])
    grads[1][1][2, 1, 1] = np.nan
    grads[2][1][0, 2] = -np.inf
    cases.append(case("zero-policy-sum", "nonFinite 'zero': NaN and -inf replaced by 0, then clipped and summed",
                      {"kind": "perExample", "maxNorm": 0.4, "nonFinite": "zero"}, grads))
    grads = batch_grads(311, 4, [0.2, 0.2, 0.2])
    grads[0][1][1, 0, 1, 0] = np.inf
    grads[1][1][3, 2, 0] = np.nan
    cases.append(case("propagate-none", "nonFinite 'propagate': the example holding inf is zeroed (inf becomes NaN), the one holding NaN becomes NaN, the others are clipped as usual",
                      {"kind": "perExample", "maxNorm": 0.4, "nonFinite": "propagate", "reduce": "none"}, grads))
    cases.append(case("skip-policy", "nonFinite 'skip': skipped, every tensor returned as it came (batch axis kept)",
                      {"kind": "perExample", "maxNorm": 0.4, "nonFinite": "skip"}, grads))
    r = rng(310)
    cases.append(case("batch-32-sum", "a batch of 32 of a dense layer, summed",
                      {"kind": "perExample", "maxNorm": 1},
                      [("w", (r.standard_normal([32, 6, 4]) * np.exp(r.uniform(-3, 2, [32, 1, 1]))).astype(F32)),
                       ("b", (r.standard_normal([32, 4]) * 0.1).astype(F32))]))
    return cases


def loss_scaled_cases():
    cases = []
    r = rng(401)
    for scale, c in [(2.0**10, 1.0), (2.0**15, 100.0), (2.0**-3, 0.5)]:
        grads = [("w", normal(r, [6, 5], 0.05 * scale)), ("b", normal(r, [5], 0.01 * scale))]
        cases.append(case(f"scale-{scale:g}-max-{c:g}", f"unscale by {scale:g}, clip the unscaled global norm at {c:g}",
                          {"kind": "lossScaled", "lossScale": scale, "maxNorm": c}, grads))
    tiny = [("w", (normal(r, [8], 1.0) * F32(2.0**-120)).astype(F32))]
    cases.append(case("subnormal-unscale", "unscaling by 2^16 gives subnormals (one rounding, as unscale-then-clip)",
                      {"kind": "lossScaled", "lossScale": 2.0**16, "maxNorm": 1e-40}, tiny))
    over = normal(r, [4], 100.0)
    over[2] = np.inf
    cases.append(case("overflow-skip", "an overflow under 'skip': skipped, counted",
                      {"kind": "lossScaled", "lossScale": 65536, "maxNorm": 1, "nonFinite": "skip"}, [("w", over)]))
    cases.append(case("unscale-only", "maxNorm Infinity unscales only",
                      {"kind": "lossScaled", "lossScale": 256, "maxNorm": INF}, [("w", normal(r, [6], 300.0))]))
    return cases


def block_rms_cases():
    r = rng(501)
    grads = [("embedding", normal(r, [10, 4], 0.01)), ("kernel", normal(r, [4, 4], 0.5)),
             ("bias", normal(r, [4], 0.3)), ("scalar", np.array(2.0, dtype=F32))]
    cases = [case("mixed-sizes", "per tensor at threshold·√size: sizes 40, 16, 4, 1", {"kind": "blockRms", "threshold": 0.2}, grads)]
    # rms exactly at the threshold (size 4: threshold·2): unchanged.
    cases.append(case("at-threshold", "a tensor of size 4 with rms exactly the threshold: unchanged",
                      {"kind": "blockRms", "threshold": 0.25}, [("a", [0.3, -0.4, 0.0, 0.0]), ("b", [1.0, 1.0, 1.0, 1.0])]))
    return cases


def kit_cases():
    """The kit's kinds cases, inputs read from kinds.json, expectations computed here."""
    with open(KIT) as f:
        kit = json.load(f)["cases"]
    cases = []
    for kit_case in kit:
        named = []
        for tensor in kit_case["input"]:
            size = int(np.prod(tensor["shape"])) if tensor["shape"] else 1
            if "values" in tensor:
                values = [float_from_json(v) for v in tensor["values"]]
            else:
                g = tensor["generate"]
                if g["kind"] != "normal":
                    raise ValueError(g)
                rand = Random(g["seed"])
                values = [rand.normal() * g["scale"] for _ in range(size)]
            named.append((tensor["name"], np.array(values, dtype=np.float64).astype(F32).reshape(tensor["shape"])))
        made = case(kit_case["id"], kit_case["description"], kit_case["spec"], named)
        del made["input"]  # the kit's own inputs: the test reads them from kinds.json
        cases.append(made)
    return cases


def write(name, cases):
    path = os.path.join(OUT, f"{name}.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/generate-composite-fixtures.py", "cases": cases}, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    write("groups", groups_cases())
    write("skip-on-spike", skip_on_spike_cases())
    write("per-example", per_example_cases())
    write("loss-scaled", loss_scaled_cases())
    write("block-rms", block_rms_cases())
    write("kit-kinds", kit_cases())


if __name__ == "__main__":
    main()
