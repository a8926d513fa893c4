"""Prints the accuracy table of a model card from harness run folders (results.jsonl), standard library only.

Usage: python3 training/card_table.py --model NAME RUN_DIR [RUN_DIR ...]
One row per (length, depth): samples, greedy exact match and teacher-forced exact match (hits/n), then a
row per length over all depths. Rows of other models, or not `ok`, are counted apart and reported.
"""

import argparse
import json
import os
from collections import defaultdict


def fmt_len(n):
    return f"{n // 1024}K" if n % 1024 == 0 else str(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    cells = defaultdict(lambda: [0, 0, 0])  # (length, depth) -> [n, greedy hits, teacher-forced hits]
    other = 0
    for run in args.runs:
        path = os.path.join(run, "results.jsonl")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if r["model"] != args.model or r["status"] != "ok" or r["task_params"]["split"] != "eval":
                    other += r["model"] == args.model
                    continue
                c = cells[(r["length_requested"], r["depth"])]
                c[0] += 1
                c[1] += bool(r["correct"])
                c[2] += bool(r["correct_teacher_forced"])
    print("| length | depth | samples | greedy exact match | teacher-forced exact match |")
    print("|---|---|---|---|---|")
    for L in sorted({k[0] for k in cells}):
        tot = [0, 0, 0]
        for d in sorted(k[1] for k in cells if k[0] == L):
            n, g, t = cells[(L, d)]
            tot = [tot[0] + n, tot[1] + g, tot[2] + t]
            print(f"| {fmt_len(L)} | {d} | {n} | {g}/{n} ({g / n:.2f}) | {t}/{n} ({t / n:.2f}) |")
        n, g, t = tot
        print(f"| **{fmt_len(L)}** | **all** | **{n}** | **{g}/{n} ({g / n:.2f})** | **{t}/{n} ({t / n:.2f})** |")
    if other:
        print(f"\n({other} rows of {args.model} not ok or not eval split were left out)")


if __name__ == "__main__":
    main()
