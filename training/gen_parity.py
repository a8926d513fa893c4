"""Prints what the Python generator port draws, one JSON object per line, for the harness test
tests/golden/generator_parity_test.ts to compare with the TypeScript generators byte for byte.

Standard library only (CI has python3 without torch). Usage: python3 training/gen_parity.py [--cases N]
Lines: {"kind": "rng", ...} raw PRNG outputs and procedures; {"kind": "seed", ...} seedFrom and splitOf;
{"kind": "passkey", ...} one passkey sample (key, needle offset, sha256 of the prompt, and the prompt itself
when it is short); {"kind": "haystack", ...} bytes and sentence starts of a haystack source at far offsets;
{"kind": "niah", ...} one NIAH sample (expected answer, needle offsets and depths, sha256 of the prompt).
With --file PATH, NIAH samples over the haystack file:PATH are added.
"""

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import (  # noqa: E402
    NIAH_TASKS,
    Rng,
    create_haystack,
    niah_min_length,
    niah_sample,
    passkey_sample,
    seed_from,
    split_of,
)

LENGTHS = [181, 200, 333, 1000, 1024, 4096, 5000, 8192, 100000]
DEPTHS = [0, 0.1, 0.25, 0.37, 0.5, 0.9, 1, 0.123456789]


def cases(n):
    """n passkey requests spread over lengths, depths, seeds, samples and both splits (deterministic)."""
    rng = Rng(seed_from(["gen_parity"]))
    out = []
    for i in range(n):
        length = LENGTHS[i % len(LENGTHS)]
        depth = DEPTHS[(i // len(LENGTHS)) % len(DEPTHS)] if i % 3 else rng.next_float()
        out.append((length, depth, rng.uniform_int(0, 1000), rng.uniform_int(0, 50), "eval" if i % 2 else "train"))
    return out


NIAH_LENGTHS = [200, 333, 1000, 4096, 5000, 8192, 20000, 65536, 100000]


def niah_cases(n, salt):
    """n NIAH requests per task, spread over lengths (from the task's minimum), depths, seeds and splits."""
    out = []
    for task, shape in NIAH_TASKS.items():
        rng = Rng(seed_from(["gen_parity", task, salt]))
        least = niah_min_length(*shape)
        for i in range(n):
            length = max(least + i % 3, NIAH_LENGTHS[i % len(NIAH_LENGTHS)] + rng.uniform_int(0, 99))
            depth = DEPTHS[i % len(DEPTHS)] if i % 4 else rng.next_float()
            split = "eval" if i % 2 else "train"
            out.append((task, length, depth, rng.uniform_int(0, 1000), rng.uniform_int(0, 50), split))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=240, help="passkey samples to print")
    ap.add_argument("--niah-cases", type=int, default=48, help="NIAH samples per task and haystack")
    ap.add_argument("--file", help="also NIAH samples over this text file as haystack")
    args = ap.parse_args()
    emit = lambda obj: print(json.dumps(obj, separators=(",", ":")))  # noqa: E731
    # 1. Raw generator outputs and the sampling procedures.
    for seed in [0, 1, 42, 0xFFFFFFFF, 0xBE671DE0, 123456789]:
        r = Rng(seed)
        u32 = [r.next_u32() for _ in range(8)]
        ints = [r.uniform_int(-3, 3) for _ in range(6)] + [r.uniform_int(0, 2**32 - 1) for _ in range(2)]
        ints += [r.uniform_int(10**6, 10**7 - 1) for _ in range(4)]
        floats = [r.next_float() for _ in range(4)]
        shuffled = r.shuffle(list(range(10)))
        choice = [r.choice(["a", "b", "c", "d", "e"]) for _ in range(5)]
        emit({"kind": "rng", "seed": seed, "u32": u32, "ints": ints, "floats": floats, "shuffle": shuffled,
              "choice": choice})
    # 2. Seed derivation and the split rule.
    for parts in [[], ["passkey"], ["a", "b"], [-5, 0.25, 1e300, "ü"], ["passkey", 4096, 0.5, 0, 0, "eval"],
                  ["x", 4096.0, -0.0, 2**53 - 1, 2**53, 0.1]]:
        emit({"kind": "seed", "parts": parts, "seed": seed_from(parts)})
    for i in range(200):
        secret = str(Rng(i).uniform_int(10**4, 10**7 - 1))
        emit({"kind": "split", "secret": secret, "split": split_of(secret)})
    # 3. Passkey samples.
    for length, depth, seed, sample, split in cases(args.cases):
        s = passkey_sample(length, depth, seed, sample, split)
        obj = {"kind": "passkey", "length": length, "depth": depth, "seed": seed, "sample": sample, "split": split,
               "key": s["key"], "needle_offset": s["needle_offset"],
               "prompt_sha256": hashlib.sha256(s["prompt"]).hexdigest()}
        if length <= 400:
            obj["prompt"] = s["prompt"].decode("latin-1")
        emit(obj)
    # 4. Haystack sources at far offsets: bytes and the next sentence start.
    for name in ["random-words", "austen"]:
        for split in ["train", "eval"]:
            for seed in [0, 1, 0xFFFFFFFF]:
                hay = create_haystack(name, seed, split)
                for offset in [0, 4095, 4096, 123457, 10**9 + 7, 2**40 + 3]:
                    data = hay.fill(offset, offset + 5000)
                    emit({"kind": "haystack", "name": name, "split": split, "seed": seed, "offset": offset,
                          "next": hay.next_boundary(offset), "sha256": hashlib.sha256(data).hexdigest(),
                          "head": data[:80].decode("latin-1")})
    # 5. NIAH samples.
    haystacks = ["austen", "random-words"] + ([f"file:{args.file}"] if args.file else [])
    for haystack in haystacks:
        for task, length, depth, seed, sample, split in niah_cases(args.niah_cases, haystack):
            s = niah_sample(task, length, depth, seed, sample, split, haystack)
            emit({"kind": "niah", "task": task, "haystack": haystack, "length": length, "depth": depth, "seed": seed,
                  "sample": sample, "split": split, "expected": s["expected"], "needle_offsets": s["needle_offsets"],
                  "needle_depths": s["needle_depths"], "depth_actual": s["depth_actual"],
                  "prompt_sha256": hashlib.sha256(s["prompt"]).hexdigest()})


if __name__ == "__main__":
    main()
