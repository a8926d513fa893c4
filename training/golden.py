"""Golden vectors: PyTorch float64 outputs of a shipped checkpoint, for the harness's parity test
(tests/golden/golden_test.ts runs the reference backend on the same inputs and compares).

Usage: python3 training/golden.py --model NAME [--out tests/golden/NAME.json]
Computes, from the stored (bf16-rounded) weights upcast to float64, for two fixed inputs:
  A: a passkey prompt of 1280 tokens (20 chunks, so top-8 prunes), run by the harness in one segment;
  B: a multi-key prompt of 1100 tokens (17 complete chunks + a partial one), run in two segments (613 + 487),
     which PyTorch computes in one pass (segment-wise results equal the one-pass forward, spec §8.1);
and stores logits at chosen positions, hidden-state norms after every module at those positions, every
token's selected chunk set per retrieval group, and the positions whose top-k boundary is a near-tie
(gap between the K-th and (K+1)-th visible score below NEAR_TIE): an f32 run may choose differently there.
Large arrays are stored compactly: ids as hex, float64 values as base64 of their little-endian bytes, chunk
sets as text (tokens ';', kv heads '|', chunks ','). Run `deno fmt tests/golden/` after writing.
"""

import argparse
import base64
import hashlib
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import multikey_sample, passkey_sample  # noqa: E402
from model import load_model  # noqa: E402

# A K-th/(K+1)-th score gap below this (absolute, scores are O(1..10)) is flagged as a near-tie.
NEAR_TIE = 1e-4


def inputs():
    a = passkey_sample(1280, 0.3, 2024, 0, "train")["prompt"]
    b = multikey_sample(1100, 2024, 0, n_keys=3)["prompt"]
    return [
        {"name": "passkey-1280", "ids": list(a), "segments": [1280], "positions": [0, 64, 65, 640, 1278, 1279]},
        {"name": "multikey-1100-two-segments", "ids": list(b), "segments": [613, 487],
         "positions": [63, 612, 613, 900, 1098, 1099]},
    ]


def f64_base64(values):
    """Little-endian float64 bytes, base64: exact and compact (JSON numbers would be reformatted one per line)."""
    return base64.b64encode(struct.pack(f"<{len(values)}d", *values)).decode()


def sets_text(selected):
    """Per-token chunk sets as text: tokens separated by ';', kv heads by '|', chunks by ','."""
    return ";".join("|".join(",".join(str(c) for c in h) for h in heads) for heads in selected)


def run(model, inp):
    ids = torch.tensor([inp["ids"]], dtype=torch.long)
    traced = {}
    with torch.no_grad():
        logits = model(ids, trace=lambda n, v: traced.__setitem__(n, v))
    pos = inp["positions"]
    out = {
        "logits_f64_base64": [f64_base64(logits[0, p].tolist()) for p in pos],
        "hidden_norms_f64_base64": [f64_base64([traced[f"hidden.{i}"][0, p].norm().item() for p in pos])
                                    for i in range(len(model.body.kinds))],
        "selected": {},
        "near_ties": {},
        "min_gap": None,
    }
    K = model.cfg.get("chunk_topk", 0)
    gaps = []
    for name, (idx, _w, scores) in sorted((n, v) for n, v in traced.items() if n.endswith(".sel")):
        g = name.split(".")[0]
        T, H = idx.shape[1], idx.shape[2]
        # Per token and kv head: the sorted set of selected chunks (empty slots dropped).
        out["selected"][g] = sets_text([[sorted(c for c in idx[0, t, h].tolist() if c >= 0) for h in range(H)]
                                        for t in range(T)])
        ties = []
        for t in range(T):
            for h in range(H):
                s = scores[0, t, h]
                s = s[torch.isfinite(s)]
                if s.numel() > K:
                    top = torch.topk(s, K + 1).values
                    gap = (top[K - 1] - top[K]).item()
                    gaps.append(gap)
                    if gap < NEAR_TIE:
                        ties.append(t)
                        break
        out["near_ties"][g] = ties
    out["min_gap"] = min(gaps) if gaps else None
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="folder name under models/ (or a path)")
    ap.add_argument("--out", default=None, help="fixture path (default tests/golden/<model>.json)")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mdir = args.model if "/" in args.model else os.path.join(root, "models", args.model)
    name = os.path.basename(mdir.rstrip("/"))
    out_path = args.out or os.path.join(root, "tests", "golden", f"{name}.json")
    torch.set_default_dtype(torch.float64)
    model = load_model(mdir, torch.float64).eval()
    with open(os.path.join(mdir, "model.safetensors"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    fixture = {
        "model": name,
        "checkpoint_sha256": sha,
        "near_tie_gap": NEAR_TIE,
        "produced_by": f"python3 training/golden.py --model {name} (torch {torch.__version__}, float64, CPU)",
        "inputs": [],
    }
    for inp in inputs():
        res = run(model, inp)
        ids = bytes(inp.pop("ids"))
        fixture["inputs"].append({**inp, "ids_hex": ids.hex(), **res})
        print(f"{name} {inp['name']}: min top-k gap {res['min_gap']}, near-ties "
              f"{ {g: len(t) for g, t in res['near_ties'].items()} }")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(fixture, f, indent=2)
        f.write("\n")
    print(f"wrote {out_path} ({os.path.getsize(out_path)} bytes)")


if __name__ == "__main__":
    main()
