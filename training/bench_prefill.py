"""Prefill throughput of training/'s PyTorch model on a shipped checkpoint, the baseline the CUDA backend's
prefill is compared with (issue 4). One forward over the whole prompt (no cache), under bf16 autocast with
fp32 parameters, as training runs; long inputs use the query-blocked sparse HSA path (`query_block`), which a
check at the first length shows equal to the dense path. Times are CUDA events, median of --reps after one
warm-up at the same length.

    python3 training/bench_prefill.py --model ramba-tiny --lengths 4096,65536,1048576 [--json out.json]

Prints one JSON line per length: tokens/s, median ms, peak GPU memory, or the error (e.g. out of memory).
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import load_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def prompt(length, device):
    """Printable pseudo-random bytes (a fixed LCG), so every run feeds the same tokens."""
    i = torch.arange(length, dtype=torch.int64)
    return (32 + (i * 2654435761 % 2**32) % 90).to(device)[None]


def run(model, ids, query_block):
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        return model(ids, query_block=query_block)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="ramba-tiny")
    ap.add_argument("--lengths", default="4096,65536,1048576")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--query-block", type=int, default=8192, help="queries per HSA block on long inputs")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    dev = torch.device("cuda")
    model = load_model(f"{ROOT}/models/{args.model}", torch.float32).to(dev).eval()
    gpu = torch.cuda.get_device_name(dev)
    results = []
    lengths = [int(x) for x in args.lengths.split(",")]

    # 1. The blocked path equals the dense one (the shortest length, blocks of 1024 queries).
    ids = prompt(min(lengths), dev)
    dense, blocked = run(model, ids, None), run(model, ids, 1024)
    check = {"length": ids.shape[1], "max_abs_logit_diff": float((dense - blocked).abs().max()),
             "argmax_agreement": float((dense.argmax(-1) == blocked.argmax(-1)).float().mean())}
    print(json.dumps({"check": check}), flush=True)
    del dense, blocked

    # 2. Timings.
    for L in lengths:
        row = {"model": args.model, "gpu": gpu, "torch": torch.__version__, "length": L,
               "query_block": args.query_block, "timing": "CUDA events, median of reps after a warm-up"}
        try:
            ids = prompt(L, dev)
            torch.cuda.reset_peak_memory_stats(dev)
            t0 = time.time()
            run(model, ids, args.query_block)
            torch.cuda.synchronize()
            row["warmup_s"] = time.time() - t0
            ms = []
            for _ in range(args.reps):
                a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                a.record()
                out = run(model, ids, args.query_block)
                b.record()
                torch.cuda.synchronize()
                ms.append(a.elapsed_time(b))
                del out
            ms.sort()
            row.update({"median_ms": ms[len(ms) // 2], "tokens_per_s": L / (ms[len(ms) // 2] / 1000),
                        "peak_gpu_bytes": torch.cuda.max_memory_allocated(dev), "status": "ok"})
        except torch.OutOfMemoryError as e:
            row.update({"status": "oom", "message": str(e).split("\n")[0]})
        torch.cuda.empty_cache()
        print(json.dumps(row), flush=True)
        results.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"check": check, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
