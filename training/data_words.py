"""Python port of the harness's RULER-style generators, standard library only: variable_tracking
(tasks/variable_tracking.ts) and common_words / frequent_words (tasks/words_tasks.ts).

Byte-identical to the TypeScript for every request (tests/golden/generator_parity_words_test.ts checks many),
so training can draw exactly the samples the harness would, from the `train` split only. The PRNG and the
repeated-filler haystack come from data.py; the word list is datasets/words.txt, which the harness reads too.
The step lists in the TypeScript doc comments are the specification; the functions below follow them in order.
"""

import os

from data import Rng, filler_bytes, next_boundary, seed_from, split_of

WORDS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "words.txt")
_words = None


def word_list():
    """The harness's word list (datasets/words.txt): lowercase a-z words, most frequent first."""
    global _words
    if _words is None:
        with open(WORDS_FILE, encoding="ascii") as f:
            words = [w for w in f.read().split("\n") if w]
        if any(not (w.isascii() and w.isalpha() and w.islower()) for w in words) or len(set(words)) != len(words):
            raise ValueError(f"Word list {WORDS_FILE} must hold distinct lowercase a-z words")
        _words = words
    return _words


def _check_split(split):
    if split not in ("train", "eval"):
        raise ValueError(f"split {split!r} must be train or eval")


# ---------------------------------------------------------------------------------------------------------
# Variable tracking (tasks/variable_tracking.ts, generator version 1).

VT_INTRO = "Memorize and track the chains of variable assignment hidden in the following text.\n"
NAME_LETTERS = 5
VALUE_DIGITS = 5


def vt_question(value):
    return (f"\nQuestion: Find all variables that are assigned the value {value} in the text above, "
            f"in the order they were assigned. Answer: ")


def vt_statement(name, source):
    return f"VAR {name} = {source}. " if source[0].isdigit() else f"VAR {name} = VAR {source}. "


def _draw_value(rng):
    return str(rng.uniform_int(10 ** (VALUE_DIGITS - 1), 10**VALUE_DIGITS - 1))


def _draw_name(rng, used):
    while True:
        name = "".join(chr(65 + rng.uniform_int(0, 25)) for _ in range(NAME_LETTERS))
        if name not in used:
            used.add(name)
            return name


def variable_tracking_min_length(hops=4, distractors=2):
    """The task's minLength: intro, every statement and the question (all of fixed length)."""
    name, value = "A" * NAME_LETTERS, "1" * VALUE_DIGITS
    chain = len(vt_statement(name, value)) + hops * len(vt_statement(name, name))
    return len(VT_INTRO) + (1 + distractors) * chain + len(vt_question(value))


def variable_tracking_sample(length, depth, seed, sample, split, name="variable_tracking", hops=4, distractors=2):
    """The harness's variable tracking sample (repeated-filler haystack): dict(prompt: bytes, expected,
    expected_values, value, needle_depths, distractor_depths, haystack_bytes)."""
    _check_split(split)
    n, chains = hops + 1, 1 + distractors
    parts = [name, length, depth, seed, sample, split]
    rng = Rng(seed_from(parts))
    value = _draw_value(rng)
    while split_of(value) != split:
        value = _draw_value(rng)
    values = [value]
    while len(values) < chains:
        v = _draw_value(rng)
        if v not in values:
            values.append(v)
    used = set()
    names = [[_draw_name(rng, used) for _ in range(n)] for _ in values]
    texts = [[vt_statement(names[c][j], values[c] if j == 0 else names[c][j - 1]).encode() for j in range(n)]
             for c in range(chains)]
    intro, question = VT_INTRO.encode(), vt_question(value).encode()
    h = length - variable_tracking_min_length(hops, distractors)
    if h < 0:
        raise ValueError(f"length {length} is below the minimum length of task {name}")

    def at(t):
        return min(next_boundary(t), h)

    s = int(depth * h)  # floor of the binary64 product, as Math.floor
    offsets = [[at(s + j * (h - s) // n) for j in range(n)]]
    for _ in range(1, chains):
        offsets.append([at(t) for t in sorted(rng.uniform_int(0, h) for _ in range(n))])
    statements = sorted((offsets[c][j], c, j) for c in range(chains) for j in range(n))
    out, prev = [intro], 0
    for offset, c, j in statements:
        out += [filler_bytes(prev, offset), texts[c][j]]
        prev = offset
    out += [filler_bytes(prev, h), question]
    prompt = b"".join(out)
    assert len(prompt) == length
    depths = [[p / h if h > 0 else 0 for p in chain] for chain in offsets]
    return {
        "prompt": prompt,
        "expected": ", ".join(names[0]),
        "expected_values": names[0],
        "value": value,
        "needle_depths": depths[0],
        "distractor_depths": depths[1:],
        "haystack_bytes": h,
    }


# ---------------------------------------------------------------------------------------------------------
# Word lists streamed in urn order (tasks/words_tasks.ts): shared by common_words and frequent_words.


def _digits_sum(n):
    """Bytes of the decimal numbers 1..n."""
    total, d, lo = 0, 1, 1
    while lo <= n:
        total += (min(n, lo * 10 - 1) - lo + 1) * d
        d, lo = d + 1, lo * 10
    return total


def _list_bytes(words, counts, numbered):
    """Bytes of the list: items joined by " ", each "{i}. {word}" when numbered, else "{word}"."""
    items = sum(counts)
    if items == 0:
        return 0
    letters = sum(c * len(w) for w, c in zip(words, counts))
    return letters + items - 1 + (_digits_sum(items) + 2 * items if numbered else 0)


class _Urn:
    """Counts drawn without replacement (a Fenwick tree): take(x), x in [0, remaining), removes and returns the
    first kind, in table order, whose cumulative count exceeds x."""

    def __init__(self, counts):
        self.size = 1
        while self.size < len(counts):
            self.size *= 2
        self.tree = [0] * (self.size + 1)
        for i, c in enumerate(counts):
            self.tree[i + 1] = c
        for i in range(1, self.size + 1):
            parent = i + (i & -i)
            if parent <= self.size:
                self.tree[parent] += self.tree[i]
        self.remaining = sum(counts)

    def draw(self, rng):
        """The next kind of the list whose order rng draws: take(uniformInt(0, remaining - 1))."""
        x, pos, step, tree = rng.uniform_int(0, self.remaining - 1), 0, self.size, self.tree
        while step:
            if tree[pos + step] <= x:
                pos += step
                x -= tree[pos]
            step >>= 1
        i = pos + 1
        while i <= self.size:
            tree[i] -= 1
            i += i & -i
        self.remaining -= 1
        return pos


def _list_text(words, counts, numbered, order_seed):
    urn, rng = _Urn(counts), Rng(order_seed)
    items = [words[urn.draw(rng)] for _ in range(urn.remaining)]
    if numbered:
        items = [f"{i}. {w}" for i, w in enumerate(items, 1)]
    return " ".join(items).encode()


def _words_sample(intro, question, budget, words, counts, numbered, order_seed, answer):
    body = _list_text(words, counts, numbered, order_seed)
    prompt = intro.encode() + body + b" " * (budget - len(body)) + question.encode()
    expected = ", ".join(answer)
    return {
        "prompt": prompt,
        "expected": expected,
        "expected_values": answer,
        "word_counts": {w: c for w, c in zip(words, counts) if c > 0},
    }


def _check_knob(what, value, lo, hi):
    if not (isinstance(value, int) and lo <= value <= hi):
        raise ValueError(f"{what} {value} must be an integer in [{lo}, {hi}]")


# ---------------------------------------------------------------------------------------------------------
# common_words (generator version 1).

CWE_INTRO = ("Below is a numbered list of words. In these words, some appear more often than others. "
             "Memorize the ones that appear most often.\n")


def cwe_question(k):
    return (f"\nQuestion: What are the {k} most common words in the list above, from most to least common "
            f"(ties in order of first appearance)? Answer: The {k} most common words are: ")


def _common_counts(words, k, q, budget):
    """Counts of the longest prefix within budget bytes of: level l = 1, 2, ...: each common word once, then
    min(k*l, q) uncommon words cyclically (whole levels at once, then the last level item by item)."""
    m = len(words) - k
    prefix = [0]
    for w in words[k:]:
        prefix.append(prefix[-1] + len(w))
    common_letters = sum(len(w) for w in words[:k])

    def cyclic(start, n):
        if start + n <= m:
            return prefix[start + n] - prefix[start]
        return prefix[m] - prefix[start] + prefix[start + n - m]

    items = used = levels = uncommon = 0
    while True:
        n = k + min(k * (levels + 1), q)
        cost = (_digits_sum(items + n) - _digits_sum(items) + 3 * n - (1 if items == 0 else 0) + common_letters
                + cyclic(uncommon % m, n - k))
        if used + cost > budget:
            break
        items, used, levels, uncommon = items + n, used + cost, levels + 1, uncommon + n - k
    counts = [levels] * k + [uncommon // m + (1 if j < uncommon % m else 0) for j in range(m)]
    for i in range(k + min(k * (levels + 1), q)):
        t = i if i < k else k + (uncommon + i - k) % m
        cost = (1 if items > 0 else 0) + len(str(items + 1)) + 2 + len(words[t])
        if used + cost > budget:
            break
        items, used = items + 1, used + cost
        counts[t] += 1
    return counts


def common_words_min_length(common_words=10, ratio=10, vocabulary=1000):
    """The task's minLength: the longest list reaching level 2's common words, plus intro and question."""
    k = common_words
    first = min(k, (vocabulary - k) // ratio)
    lengths = sorted((len(w) for w in word_list()[:vocabulary]), reverse=True)
    letters = 2 * sum(lengths[:k]) + sum(lengths[k:k + first])
    items = 2 * k + first
    return len(CWE_INTRO) + letters + _digits_sum(items) + 3 * items - 1 + len(cwe_question(k))


def common_words_sample(length, depth, seed, sample, split, name="common_words", common_words=10, ratio=10,
                        vocabulary=1000):
    """The harness's common_words sample: dict(prompt: bytes, expected, expected_values, word_counts)."""
    _check_split(split)
    _check_knob("Vocabulary", vocabulary, 2, len(word_list()))
    k = common_words
    _check_knob("Common words", k, 1, vocabulary - 2)
    _check_knob("Ratio", ratio, 2, vocabulary - k)
    if length < common_words_min_length(k, ratio, vocabulary):
        raise ValueError(f"length {length} is below the minimum length of task {name}")
    vocab = word_list()[:vocabulary]
    q = (vocabulary - k) // ratio
    budget = length - len(CWE_INTRO) - len(cwe_question(k))
    rng = Rng(seed_from([name, length, depth, seed, sample, split]))
    while True:
        words = rng.shuffle(list(vocab))
        order_seed = rng.next_u32()
        counts = _common_counts(words, k, q, budget)
        urn, order, seen = _Urn(counts), Rng(order_seed), []
        while len(seen) < k:
            t = urn.draw(order)
            if t < k and t not in seen:
                seen.append(t)
        seen.sort(key=lambda t: -counts[t])  # stable: ties stay in order of first appearance
        answer = [words[t] for t in seen]
        if split_of(", ".join(answer)) == split:
            return _words_sample(CWE_INTRO, cwe_question(k), budget, words, counts, True, order_seed, answer)


# ---------------------------------------------------------------------------------------------------------
# frequent_words (generator version 1).


def fwe_intro(n):
    return f"Read the following text and track how often each word appears. Find the {n} most frequent words.\n"


def fwe_question(n):
    return (f"\nQuestion: What are the {n} most frequent words in the text above, from most to least frequent? "
            f"Answer: The {n} most frequent words are: ")


def _least_top_count(pow_, n):
    """The least top count c from which the first n + 1 counts floor(c / r^alpha) are strictly decreasing."""
    def strict(c):
        return all(c // pow_[r] < c // pow_[r - 1] for r in range(1, n + 1))

    least = max([1] + [-(-pow_[r] * pow_[r + 1] // (pow_[r + 1] - pow_[r])) for r in range(n)])
    while least > 1 and strict(least - 1):
        least -= 1
    return least


def frequent_words_min_length(answer_words=3, alpha=2, vocabulary=1000):
    """The task's minLength: the longest text at the least top count, plus intro and question."""
    pow_ = [r**alpha for r in range(1, vocabulary + 1)]
    longest = sorted(word_list()[:vocabulary], key=len, reverse=True)
    c = _least_top_count(pow_, answer_words)
    body = _list_bytes(longest, [c // p for p in pow_], False)
    return len(fwe_intro(answer_words)) + body + len(fwe_question(answer_words))


def frequent_words_sample(length, depth, seed, sample, split, name="frequent_words", answer_words=3, alpha=2,
                          vocabulary=1000):
    """The harness's frequent_words sample: dict(prompt: bytes, expected, expected_values, word_counts)."""
    _check_split(split)
    _check_knob("Vocabulary", vocabulary, 2, len(word_list()))
    n = answer_words
    _check_knob("Answer words", n, 1, vocabulary - 1)
    _check_knob("Alpha", alpha, 1, 4)
    if length < frequent_words_min_length(n, alpha, vocabulary):
        raise ValueError(f"length {length} is below the minimum length of task {name}")
    vocab = word_list()[:vocabulary]
    pow_ = [r**alpha for r in range(1, vocabulary + 1)]
    budget = length - len(fwe_intro(n)) - len(fwe_question(n))
    rng = Rng(seed_from([name, length, depth, seed, sample, split]))
    words = rng.shuffle(list(vocab))
    while split_of(", ".join(words[:n])) != split:
        words = rng.shuffle(list(vocab))
    order_seed = rng.next_u32()
    lo, hi = _least_top_count(pow_, n), budget + 1  # the text fits at lo, not at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _list_bytes(words, [mid // p for p in pow_], False) <= budget:
            lo = mid
        else:
            hi = mid
    counts = [lo // p for p in pow_]
    counts[0] += (budget - _list_bytes(words, counts, False)) // (len(words[0]) + 1)
    return _words_sample(fwe_intro(n), fwe_question(n), budget, words, counts, False, order_seed, words[:n])
