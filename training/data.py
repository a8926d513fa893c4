"""Python port of the harness's sample generators (datasets/PRNG.md, tasks/passkey.ts), standard library only.

Byte-identical to the TypeScript for every request (tests/golden/generator_parity_test.ts checks many seeds),
so training can draw exactly the samples the harness would, from the `train` split only. Also the
training-only multi-key needle task (not a harness task yet): several named keys, one asked for.
"""

import struct

M32 = 0xFFFFFFFF

# ---------------------------------------------------------------------------------------------------------
# PRNG (datasets/PRNG.md): fmix32, FNV-1a, seedFrom, xoshiro128** seeded by splitmix32, the split rule.


def fmix32(z):
    z &= M32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
    return z ^ (z >> 16)


def fnv1a32(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & M32
    return h


def canonical_part(p):
    """A seed part's canonical text: strings as is, safe integers in decimal, other floats as f + hex."""
    if isinstance(p, str):
        if "\x1f" in p:
            raise ValueError(f"Seed part {p!r} contains U+001F")
        return p
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"Seed part {p!r} must be a string or a number")
    if isinstance(p, float) and (p != p or p in (float("inf"), float("-inf"))):
        raise ValueError(f"Seed part {p!r} must be finite")
    if float(p).is_integer() and abs(p) <= 2**53 - 1:
        return str(int(p))
    return "f" + struct.pack(">d", float(p)).hex()


def seed_from(parts):
    return fmix32(fnv1a32("\x1f".join(canonical_part(p) for p in parts).encode("utf-8")))


def split_of(secret):
    return "eval" if fmix32(fnv1a32(secret.encode("utf-8"))) >> 29 == 0 else "train"


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    """xoshiro128** seeded with four splitmix32 outputs of a u32 seed."""

    def __init__(self, seed):
        if not (0 <= seed < 2**32):
            raise ValueError(f"Seed {seed} must be an integer in [0, 2^32)")
        sm, self.s = seed, []
        for _ in range(4):
            sm = (sm + 0x9E3779B9) & M32
            self.s.append(fmix32(sm))

    def next_u32(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform_int(self, lo, hi):
        n = hi - lo + 1
        if not (1 <= n <= 2**32):
            raise ValueError(f"Range [{lo}, {hi}] must hold 1 to 2^32 integers")
        limit = 2**32 - (2**32 % n)
        x = self.next_u32()
        while x >= limit:
            x = self.next_u32()
        return lo + x % n

    def next_float(self):
        return (self.next_u32() >> 8) / 16777216

    def choice(self, items):
        if not items:
            raise ValueError("Choice needs a non-empty list of items")
        return items[self.uniform_int(0, len(items) - 1)]

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.uniform_int(0, i)
            items[i], items[j] = items[j], items[i]
        return items


# ---------------------------------------------------------------------------------------------------------
# The repeated-filler haystack (datasets/haystack.ts).

FILLER_TEXT = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. "
_FILLER = FILLER_TEXT.encode("utf-8")
_PERIOD = len(_FILLER)
_STARTS = [0] + [i for i in range(2, _PERIOD) if _FILLER[i - 2 : i] == b". "]


def filler_bytes(start, end):
    """Haystack bytes [start, end)."""
    if end <= start:
        return b""
    r = start % _PERIOD
    reps = (r + end - start) // _PERIOD + 1
    return (_FILLER * reps)[r : r + end - start]


def next_boundary(pos):
    """The first sentence start at or after pos."""
    base = pos - pos % _PERIOD
    for s in _STARTS:
        if s >= pos - base:
            return base + s
    return base + _PERIOD


# ---------------------------------------------------------------------------------------------------------
# Passkey (tasks/passkey.ts, generator version 1).

PASSKEY_INTRO = "There is a pass key hidden in this text. Find it and remember it.\n"
PASSKEY_QUESTION = "\nWhat is the pass key? The pass key is "
KEY_DIGITS = (5, 7)
STOP = "."


def passkey_needle(key):
    return f"The pass key is {key}. Remember it. {key} is the pass key. "


def draw_key(rng, split):
    """digits = uniformInt(5, 7), value = uniformInt(10^(d-1), 10^d - 1), redrawn until its split matches."""
    while True:
        digits = rng.uniform_int(KEY_DIGITS[0], KEY_DIGITS[1])
        key = str(rng.uniform_int(10 ** (digits - 1), 10**digits - 1))
        if split_of(key) == split:
            return key


def passkey_sample(length, depth, seed, sample, split, name="passkey", intro=True):
    """The harness's passkey sample: dict(prompt: bytes, key, needle_offset, needle_start, haystack_bytes)."""
    if split not in ("train", "eval"):
        raise ValueError(f"split {split!r} must be train or eval")
    parts = [name, length, depth, seed, sample, split]
    key = draw_key(Rng(seed_from(parts)), split)
    intro_b = PASSKEY_INTRO.encode() if intro else b""
    needle = passkey_needle(key).encode()
    question = PASSKEY_QUESTION.encode()
    h = length - len(intro_b) - len(needle) - len(question)
    if h < 0:
        raise ValueError(f"length {length} is too short for the passkey task")
    p = min(next_boundary(int(depth * h)), h)  # floor of the binary64 product, as Math.floor
    prompt = intro_b + filler_bytes(0, p) + needle + filler_bytes(p, h) + question
    assert len(prompt) == length
    return {
        "prompt": prompt,
        "key": key,
        "answer": key.encode(),
        "needle_offset": p,
        "needle_start": len(intro_b) + p,
        "haystack_bytes": h,
    }


# ---------------------------------------------------------------------------------------------------------
# Multi-key needles (training only; train-split keys): n named keys, the question asks for one of them.

MULTIKEY_NAMES = [
    "red", "blue", "green", "gold", "gray", "pink", "owl", "fox", "cat", "dog", "elk", "bee",
    "oak", "elm", "fig", "sea", "sun", "moon", "star", "rain",
]


def multikey_needle(name, key):
    return f"The pass key of {name} is {key}. Remember it. {key} is the pass key of {name}. "


def multikey_sample(length, seed, sample, n_keys=3):
    """A train-split sample with n_keys needles at random sentence starts; the question names one of them.

    Steps: rng = Rng(seedFrom(["multikey", length, n_keys, seed, sample, "train"])); names = the first
    n_keys of a shuffled name list; one train key per name; sorted random offsets in the haystack (each at
    a sentence start); the asked name = choice(names).
    """
    rng = Rng(seed_from(["multikey", length, n_keys, seed, sample, "train"]))
    names = rng.shuffle(list(MULTIKEY_NAMES))[:n_keys]
    keys = [draw_key(rng, "train") for _ in names]
    asked = rng.uniform_int(0, n_keys - 1)
    intro_b = PASSKEY_INTRO.encode()
    needles = [multikey_needle(nm, k).encode() for nm, k in zip(names, keys)]
    question = f"\nWhat is the pass key of {names[asked]}? The pass key of {names[asked]} is ".encode()
    h = length - len(intro_b) - sum(len(x) for x in needles) - len(question)
    if h < 0:
        raise ValueError(f"length {length} is too short for {n_keys} keys")
    offsets = sorted(min(next_boundary(rng.uniform_int(0, h)), h) for _ in names)
    parts, prev = [intro_b], 0
    for off, nd in zip(offsets, needles):
        parts += [filler_bytes(prev, off), nd]
        prev = off
    parts += [filler_bytes(prev, h), question]
    prompt = b"".join(parts)
    assert len(prompt) == length
    return {"prompt": prompt, "key": keys[asked], "answer": keys[asked].encode()}
