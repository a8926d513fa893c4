"""Python port of the harness's sample generators (datasets/PRNG.md, tasks/passkey.ts, tasks/niah.ts, the
haystacks of datasets/), standard library only.

Byte-identical to the TypeScript for every request (tests/golden/generator_parity_test.ts checks many seeds),
so training can draw exactly the samples the harness would, from the `train` split only (a `train` sample
reads only the training part of the natural-text corpus). Also the training-only multi-key needle task
(multikey_sample, not a harness task): several named keys, one asked for.
"""

import bisect
import gzip
import hashlib
import os
import re
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


# ---------------------------------------------------------------------------------------------------------
# The word list (datasets/words.ts) and the text haystacks (datasets/cyclic.ts, datasets/corpus.ts).

DATASETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets")
_WORDS = []


def word_list():
    """The 2,000 words of datasets/words.txt, most frequent first."""
    if not _WORDS:
        with open(os.path.join(DATASETS, "words.txt"), encoding="ascii") as f:
            _WORDS.extend(w for w in f.read().split("\n") if w)
    return _WORDS


_SENTENCE_END = re.compile(rb"""[.?!]["']?[ \n\t\r]+(?="?[A-Z])""")


def sentence_starts(data):
    """0 and the end of every sentence-end match followed by a capital (cyclic.ts sentenceStarts)."""
    return [0] + [m.end() for m in _SENTENCE_END.finditer(data)]


class CyclicText:
    """A text repeated forever, with its sentence starts within one period."""

    def __init__(self, data):
        if not data:
            raise ValueError("A cyclic text must not be empty")
        self.data, self.period, self.starts = data, len(data), sentence_starts(data)

    def copy(self, pos, n):
        """Bytes [pos, pos + n) of the endless repetition."""
        out, r = [], pos % self.period
        while n > 0:
            take = min(n, self.period - r)
            out.append(self.data[r : r + take])
            n, r = n - take, 0
        return b"".join(out)

    def next_start(self, pos):
        base = pos - pos % self.period
        i = bisect.bisect_left(self.starts, pos - base)
        return base + (self.starts[i] if i < len(self.starts) else self.period)


class TextHaystack:
    """A cyclic text streamed from the sentence start `origin` (cyclic.ts TextHaystack)."""

    def __init__(self, name, text, origin, digest=None):
        self.name, self.text, self.origin, self.digest = name, text, origin, digest

    def fill(self, start, end):
        """Haystack bytes [start, end)."""
        return self.text.copy(self.origin + start, max(end - start, 0))

    def next_boundary(self, pos):
        return self.text.next_start(self.origin + pos) - self.origin


_CORPUS = {}


def corpus_text(split):
    """The corpus part of the split (datasets/corpus/austen-<split>.txt.gz), read on first use only."""
    if split not in _CORPUS:
        with gzip.open(os.path.join(DATASETS, "corpus", f"austen-{split}.txt.gz")) as f:
            _CORPUS[split] = CyclicText(f.read())
    return _CORPUS[split]


_FILES = {}


def file_text(path):
    """A user's text file as (CyclicText, sha256), with "\\n" appended when it does not end with one."""
    if path not in _FILES:
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"Haystack file {path} is not UTF-8 text") from None
        if b"\0" in data:
            raise ValueError(f"Haystack file {path} is not text: it has NUL bytes")
        if not text.strip():
            raise ValueError(f"Haystack file {path} is empty (or only whitespace)")
        digest = hashlib.sha256(data).hexdigest()
        _FILES[path] = (CyclicText(data if data.endswith(b"\n") else data + b"\n"), digest)
    return _FILES[path]


# ---------------------------------------------------------------------------------------------------------
# The random-words haystack (datasets/random_words.ts).

BLOCK_BYTES = 4096
POOL_SENTENCES = 4096
SENTENCE_WORDS = (4, 12)
_POOL = {}


def _capitalise(word):
    return word[0].upper() + word[1:]


def _sentence_pool():
    """(pool bytes, sentence ends, words by length, shortMax), built once."""
    if not _POOL:
        words = word_list()
        rng = Rng(seed_from(["random-words", "pool"]))
        sentences = []
        for _ in range(POOL_SENTENCES):
            n = rng.uniform_int(*SENTENCE_WORDS)
            picked = [rng.choice(words) for _ in range(n)]
            picked[0] = _capitalise(picked[0])
            sentences.append(" ".join(picked) + ". ")
        ends, end = [], 0
        for t in sentences:
            end += len(t)
            ends.append(end)
        by_length = {}
        for w in words:
            by_length.setdefault(len(w), []).append(w)
        short_max = 0
        while short_max + 1 in by_length:
            short_max += 1
        _POOL.update(data="".join(sentences).encode("ascii"), ends=ends, by_length=by_length, short_max=short_max)
    return _POOL


def _exact_sentence(rng, size, pool):
    words = word_list()
    picked, m = [], size - 2
    while m > pool["short_max"]:
        w = rng.choice(words)
        while len(w) > m - 2:
            w = rng.choice(words)
        picked.append(w)
        m -= len(w) + 1
    picked.append(rng.choice(pool["by_length"][m]))
    picked[0] = _capitalise(picked[0])
    return " ".join(picked) + ". "


class RandomWords:
    """Sentences of random words in 4,096-byte blocks, each a function of (seed, block index)."""

    name = "random-words"
    digest = None

    def __init__(self, seed):
        self.seed, self._index, self._block, self._starts = seed, -1, b"", []

    def _load(self, b):
        if b == self._index:
            return
        pool = _sentence_pool()
        rng = Rng(seed_from(["random-words", self.seed, b]))
        parts, starts, pos = [], [], 0
        while pos < BLOCK_BYTES:
            starts.append(pos)
            left = BLOCK_BYTES - pos
            i = rng.uniform_int(0, POOL_SENTENCES - 1)
            start = pool["ends"][i - 1] if i > 0 else 0
            n = pool["ends"][i] - start
            if n == left or n <= left - 3:
                parts.append(pool["data"][start : start + n])
                pos += n
            else:
                parts.append(_exact_sentence(rng, left, pool).encode("ascii"))
                pos = BLOCK_BYTES
        self._block, self._starts, self._index = b"".join(parts), starts, b

    def fill(self, start, end):
        out, pos = [], start
        while pos < end:
            b, within = divmod(pos, BLOCK_BYTES)
            n = min(end - pos, BLOCK_BYTES - within)
            self._load(b)
            out.append(self._block[within : within + n])
            pos += n
        return b"".join(out)

    def next_boundary(self, pos):
        b, within = divmod(pos, BLOCK_BYTES)
        self._load(b)
        i = bisect.bisect_left(self._starts, within)
        return b * BLOCK_BYTES + self._starts[i] if i < len(self._starts) else (b + 1) * BLOCK_BYTES


class RepeatedFiller:
    """The passkey filler as a haystack object (filler_bytes, next_boundary)."""

    name = "repeated-filler"
    digest = None

    @staticmethod
    def fill(start, end):
        return filler_bytes(start, end)

    @staticmethod
    def next_boundary(pos):
        return next_boundary(pos)


def create_haystack(name, seed, split):
    """datasets/haystack.ts createHaystack: repeated-filler, random-words, austen (part of split), file:PATH."""
    if name == "repeated-filler":
        return RepeatedFiller()
    if name == "random-words":
        return RandomWords(seed)
    if name == "austen":
        text, digest = corpus_text(split), None
    elif name.startswith("file:"):
        text, digest = file_text(name[len("file:") :])
    else:
        raise ValueError(f"Unknown haystack {name!r}")
    return TextHaystack(name, text, text.starts[Rng(seed).uniform_int(0, len(text.starts) - 1)], digest)


# ---------------------------------------------------------------------------------------------------------
# NIAH tasks (tasks/niah.ts, generator version 1).

NIAH_INTRO = (
    "Some special magic numbers are hidden within the following text. Make sure to memorize them. "
    "I will quiz you about them afterwards.\n"
)
VALUE_DIGITS = 7
KEY_WORD_MIN_LETTERS = 4
HAYSTACK_BYTES_PER_EXTRA_NEEDLE = 1536
NIAH_TASKS = {
    # name: (keys, values per key, queries)
    "niah_single": (1, 1, 1),
    "niah_multikey": (4, 1, 1),
    "niah_multivalue": (1, 4, 1),
    "niah_multiquery": (4, 1, 4),
}


def niah_needle(key, value):
    return f"One of the special magic numbers for {key} is: {value}. "


def niah_question(asked, values_per_key):
    keys = asked[0] if len(asked) == 1 else ", ".join(asked[:-1]) + " and " + asked[-1]
    if values_per_key > 1:
        return (f"\nWhat are all the special magic numbers for {keys}? In the order they appear in the text, "
                f"the special magic numbers for {keys} are ")
    if len(asked) > 1:
        return (f"\nWhat are the special magic numbers for {keys}? In the order of the question, "
                f"the special magic numbers for {keys} are ")
    return f"\nWhat is the special magic number for {keys}? The special magic number for {keys} is "


def niah_min_length(keys, values_per_key, queries):
    """tasks/niah.ts minLength: intro, the longest needles and question, and the haystack's minimum."""
    longest_key = "x" * (2 * max(len(w) for w in word_list() if len(w) >= KEY_WORD_MIN_LETTERS) + 1)
    needles = keys * values_per_key
    needle = len(niah_needle(longest_key, "9" * VALUE_DIGITS))
    question = len(niah_question([longest_key] * queries, values_per_key))
    return len(NIAH_INTRO) + needles * needle + question + HAYSTACK_BYTES_PER_EXTRA_NEEDLE * (needles - 1)


def _draw_keys(rng, n):
    words = [w for w in word_list() if len(w) >= KEY_WORD_MIN_LETTERS]
    keys = []
    while len(keys) < n:
        a, b = rng.choice(words), rng.choice(words)
        if a != b and f"{a}-{b}" not in keys:
            keys.append(f"{a}-{b}")
    return keys


def _draw_value(rng, split, used):
    while True:
        value = str(rng.uniform_int(10 ** (VALUE_DIGITS - 1), 10**VALUE_DIGITS - 1))
        if split_of(value) == split and value not in used:
            return value


def _place_needles(rng, source, h, depth, count):
    def start_at_or_after(pos):
        q = source.next_boundary(pos)
        return q if q < h else 0

    offsets = [min(source.next_boundary(int(depth * h)), h)]
    while len(offsets) < count:
        first = q = start_at_or_after(rng.uniform_int(0, h - 1))
        while q in offsets:
            q = start_at_or_after(q + 1)
            if q == first:
                raise ValueError(f"Haystack {source.name} has too few sentence starts for {count} needles")
        offsets.append(q)
    return offsets


def niah_sample(name, length, depth, seed, sample, split, haystack="austen"):
    """A NIAH sample of the task `name` (NIAH_TASKS): dict(prompt: bytes, expected, values, needle_offsets
    (text order), needle_depths, depth_actual, haystack_bytes)."""
    if split not in ("train", "eval"):
        raise ValueError(f"split {split!r} must be train or eval")
    keys, values_per_key, queries = NIAH_TASKS[name]
    if length < niah_min_length(keys, values_per_key, queries):
        raise ValueError(f"length {length} is too short for task {name}")
    parts = [name, length, depth, seed, sample, split]
    rng = Rng(seed_from(parts))
    key_names = _draw_keys(rng, keys)
    values, used = [], set()
    for _ in key_names:
        values.append([])
        for _ in range(values_per_key):
            v = _draw_value(rng, split, used)
            used.add(v)
            values[-1].append(v)
    needles = [niah_needle(k, v).encode() for k, vs in zip(key_names, values) for v in vs]
    asked = key_names[:queries]
    question = niah_question(asked, values_per_key).encode()
    intro = NIAH_INTRO.encode()
    source = create_haystack(haystack, seed_from(parts + ["haystack"]), split)
    h = length - len(intro) - sum(len(x) for x in needles) - len(question)
    offsets = _place_needles(rng, source, h, depth, len(needles))
    order = sorted(range(len(needles)), key=lambda n: offsets[n])
    chunks, at = [intro], 0
    for n in order:
        chunks += [source.fill(at, offsets[n]), needles[n]]
        at = offsets[n]
    chunks += [source.fill(at, h), question]
    prompt = b"".join(chunks)
    assert len(prompt) == length
    expected_values = [values[k][n % values_per_key] for k in range(queries) for n in order
                       if n // values_per_key == k]
    depth_of = lambda off: off / h if h > 0 else 0  # noqa: E731
    return {
        "prompt": prompt,
        "expected": ", ".join(expected_values),
        "answer": ", ".join(expected_values).encode(),
        "values": expected_values,
        "needle_offsets": [offsets[n] for n in order],
        "needle_depths": [depth_of(offsets[n]) for n in order],
        "depth_actual": depth_of(offsets[0]),
        "haystack_bytes": h,
    }
