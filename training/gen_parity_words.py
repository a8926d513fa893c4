"""Prints what the Python port of the RULER-style generators (data_words.py) draws, one JSON object per line,
for tests/golden/generator_parity_words_test.ts to compare with the TypeScript tasks byte for byte.

Standard library only. Usage: python3 training/gen_parity_words.py [--cases N]
Each line: {"kind": task name, "options": the task's non-default options (TypeScript names), "min_length",
the request, "expected", "prompt_sha256", and "needle_depths" / "distractor_depths" for variable_tracking; "prompt" itself
(latin-1) when it is short}.
"""

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import Rng, seed_from  # noqa: E402
from data_words import (  # noqa: E402
    common_words_min_length,
    common_words_sample,
    frequent_words_min_length,
    frequent_words_sample,
    variable_tracking_min_length,
    variable_tracking_sample,
)

LENGTHS = [300, 701, 1000, 1024, 2000, 4096, 5000, 8192, 30000, 100000]
DEPTHS = [0, 0.1, 0.25, 0.37, 0.5, 0.9, 1, 0.123456789]
SHORT_PROMPT = 1200

# (task, TypeScript options, Python keyword arguments, the Python minimum length of those options)
VARIANTS = [
    ("variable_tracking", {}, {}, variable_tracking_min_length()),
    ("variable_tracking", {"hops": 2, "distractors": 0}, {"hops": 2, "distractors": 0},
     variable_tracking_min_length(2, 0)),
    ("common_words", {}, {}, common_words_min_length()),
    ("common_words", {"commonWords": 5, "ratio": 3, "vocabulary": 200},
     {"common_words": 5, "ratio": 3, "vocabulary": 200}, common_words_min_length(5, 3, 200)),
    ("frequent_words", {}, {}, frequent_words_min_length()),
    ("frequent_words", {"answerWords": 5, "alpha": 1, "vocabulary": 300},
     {"answer_words": 5, "alpha": 1, "vocabulary": 300}, frequent_words_min_length(5, 1, 300)),
]
SAMPLERS = {
    "variable_tracking": variable_tracking_sample,
    "common_words": common_words_sample,
    "frequent_words": frequent_words_sample,
}


def cases(n, variant_index, least):
    """n requests spread over lengths (from the task's minimum on), depths, seeds, samples and both splits."""
    rng = Rng(seed_from(["gen_parity_words", variant_index]))
    out = []
    for i in range(n):
        length = max(LENGTHS[i % len(LENGTHS)], least + i % 3)
        depth = DEPTHS[(i // len(LENGTHS)) % len(DEPTHS)] if i % 3 else rng.next_float()
        out.append((length, depth, rng.uniform_int(0, 1000), rng.uniform_int(0, 50), "eval" if i % 2 else "train"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=40, help="samples per task variant")
    args = ap.parse_args()
    for index, (kind, ts_options, options, least) in enumerate(VARIANTS):
        for length, depth, seed, sample, split in cases(args.cases, index, least):
            s = SAMPLERS[kind](length, depth, seed, sample, split, **options)
            obj = {"kind": kind, "options": ts_options, "min_length": least, "length": length, "depth": depth,
                   "seed": seed, "sample": sample, "split": split, "expected": s["expected"],
                   "prompt_sha256": hashlib.sha256(s["prompt"]).hexdigest()}
            if kind == "variable_tracking":
                obj["needle_depths"] = s["needle_depths"]
                obj["distractor_depths"] = s["distractor_depths"]
            if length <= SHORT_PROMPT:
                obj["prompt"] = s["prompt"].decode("latin-1")
            print(json.dumps(obj, separators=(",", ":")))


if __name__ == "__main__":
    main()
