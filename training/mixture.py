"""The training task mixture: one train-split sample of the harness's task suite per (length, seed, counter).

Standard library only. Each draw picks a task by weight among those whose minimum length fits the length
(the weights of the others are renormalised away), a uniform depth and, for the NIAH tasks, one of the
shipped haystacks, then calls the task's byte-identical Python port (data.py, data_words.py) on the `train`
split, so no evaluation secret can appear (a secret's split is a hash of the secret, datasets/PRNG.md). The
natural text comes from the training part of the Austen corpus only (datasets/corpus/austen-train.txt.gz);
the held-out part is never read. "lm" is a plain language-model window of that training part: no answer,
next-byte loss only.

Usage: `draw(length, seed, counter)` → (prompt bytes, answer bytes with the stop byte, task name);
`python3 training/mixture.py` runs the self-check.
"""

import bisect
import inspect
import itertools

from data import KEY_DIGITS, NIAH_TASKS, PASSKEY_INTRO, PASSKEY_QUESTION, VALUE_DIGITS, Rng, corpus_text
from data import niah_min_length, niah_sample, passkey_needle, passkey_sample, seed_from
from data_words import NAME_LETTERS, common_words_min_length, common_words_sample, frequent_words_min_length
from data_words import frequent_words_sample, variable_tracking_min_length, variable_tracking_sample, word_list

# Default weights (train.py --mixture); a model's "_training": {"mixture": {...}} may give others.
WEIGHTS = {
    "passkey": 0.25,
    "niah_single": 0.1,
    "niah_multikey": 0.1,
    "niah_multivalue": 0.1,
    "niah_multiquery": 0.1,
    "variable_tracking": 0.15,
    "common_words": 0.05,
    "frequent_words": 0.05,
    "lm": 0.1,
}
TASKS = tuple(WEIGHTS)  # the order of the weighted pick, whatever order a config lists its weights in
NIAH_HAYSTACKS = ("repeated-filler", "random-words", "austen")  # the shipped haystacks; austen: train part
STOP = b"."


def _default(fn, arg):
    """The default of a port's keyword argument (the harness's registered task uses the same)."""
    return inspect.signature(fn).parameters[arg].default


def _items_room(n, longest):
    """Bytes of n items of at most `longest` bytes joined by ", ", plus the stop byte."""
    return n * longest + 2 * (n - 1) + len(STOP)


def _longest_words(n, vocabulary):
    return sum(sorted(map(len, word_list()[:vocabulary]), reverse=True)[:n])


def _niah_room(task):
    _, values_per_key, queries = NIAH_TASKS[task]
    return _items_room(values_per_key * queries, VALUE_DIGITS)


MIN_LENGTH = {
    "passkey": len(PASSKEY_INTRO) + len(passkey_needle("9" * KEY_DIGITS[1])) + len(PASSKEY_QUESTION),
    **{t: niah_min_length(*NIAH_TASKS[t]) for t in NIAH_TASKS},
    "variable_tracking": variable_tracking_min_length(),
    "common_words": common_words_min_length(),
    "frequent_words": frequent_words_min_length(),
    "lm": 1,
}

# The most bytes an answer can take, stop byte included (a training row leaves this much room after the prompt).
_CWE_K, _CWE_VOCAB = _default(common_words_sample, "common_words"), _default(common_words_sample, "vocabulary")
_FWE_N, _FWE_VOCAB = _default(frequent_words_sample, "answer_words"), _default(frequent_words_sample, "vocabulary")
ANSWER_ROOM = {
    "passkey": _items_room(1, KEY_DIGITS[1]),
    **{t: _niah_room(t) for t in NIAH_TASKS},
    "variable_tracking": _items_room(_default(variable_tracking_sample, "hops") + 1, NAME_LETTERS),
    "common_words": _items_room(_CWE_K, 0) + _longest_words(_CWE_K, _CWE_VOCAB),
    "frequent_words": _items_room(_FWE_N, 0) + _longest_words(_FWE_N, _FWE_VOCAB),
    "lm": 0,
}


def check_weights(weights):
    """The weights as a dict over known tasks; unknown names, negative or all-zero weights raise."""
    unknown = set(weights) - set(TASKS)
    if unknown:
        raise ValueError(f"unknown mixture tasks {sorted(unknown)}; known: {', '.join(TASKS)}")
    if any(not isinstance(w, (int, float)) or w < 0 for w in weights.values()) or not any(weights.values()):
        raise ValueError(f"mixture weights {weights} must be non-negative numbers, not all zero")
    return dict(weights)


def _lm_window(length, rng):
    """A window of the Austen training part starting at a sentence start, never wrapping (as lm_bpb)."""
    text = corpus_text("train")
    if length > text.period:
        raise ValueError(f"length {length} exceeds the {text.period} bytes of the Austen training part")
    fitting = bisect.bisect_right(text.starts, text.period - length)
    start = text.starts[rng.uniform_int(0, fitting - 1)]
    return {"prompt": text.copy(start, length), "answer": b"", "offset": start}


def generate(length, seed, counter, weights=None, fit_answer=False):
    """Draw `counter` of the stream `seed`: (task, the port's sample dict with "prompt" and "answer", the
    answer including the stop byte; "haystack" for the NIAH tasks).

    The prompt has exactly `length` bytes; with fit_answer, length − ANSWER_ROOM[task] bytes, so that the
    prompt and any answer fit in `length` (a training row). A task is drawn only where that prompt length
    reaches its minimum length.
    """
    weights = WEIGHTS if weights is None else weights
    room = ANSWER_ROOM if fit_answer else dict.fromkeys(TASKS, 0)
    fits = [t for t in TASKS if weights.get(t, 0) > 0 and length - room[t] >= MIN_LENGTH[t]]
    if not fits:
        raise ValueError(f"no task of the mixture {weights} fits length {length}")
    rng = Rng(seed_from(["mixture", seed, counter]))
    cumulative = list(itertools.accumulate(weights[t] for t in fits))
    task = fits[min(bisect.bisect_right(cumulative, rng.next_float() * cumulative[-1]), len(fits) - 1)]
    depth = rng.next_float()
    n = length - room[task]
    if task == "lm":
        return task, _lm_window(n, rng)
    if task in NIAH_TASKS:
        haystack = rng.choice(NIAH_HAYSTACKS)
        s = dict(niah_sample(task, n, depth, seed, counter, "train", haystack), haystack=haystack)
    elif task == "passkey":
        s = passkey_sample(n, depth, seed, counter, "train")
    else:
        port = {"variable_tracking": variable_tracking_sample, "common_words": common_words_sample,
                "frequent_words": frequent_words_sample}[task]
        s = port(n, depth, seed, counter, "train")
        s["answer"] = s["expected"].encode()
    s["answer"] += STOP
    return task, s


def draw(length, seed, counter, weights=None, fit_answer=False):
    """One training sample: (prompt bytes, answer bytes with the stop byte — empty for "lm" —, task name)."""
    task, s = generate(length, seed, counter, weights, fit_answer)
    return s["prompt"], s["answer"], task


def _secrets(task, s):
    """The values whose split the task's generator draws to match the split (tasks/*.ts)."""
    if task == "passkey":
        return [s["key"]]
    if task in NIAH_TASKS:
        return s["values"]
    if task == "variable_tracking":
        return [s["value"]]
    if task in ("common_words", "frequent_words"):
        return [s["expected"]]
    return []


def _self_check(n=200, lengths=(512, 1024, 2048, 4096, 8192), seed=7):
    import data
    from data import split_of

    counts, haystacks = {}, {}
    for i in range(n):
        length, fit = lengths[i % len(lengths)], i % 3 == 0
        task, s = generate(length, seed, i, fit_answer=fit)
        prompt, answer = s["prompt"], s["answer"]
        assert len(prompt) == length - (ANSWER_ROOM[task] if fit else 0), (task, length, len(prompt))
        assert len(answer) <= ANSWER_ROOM[task], (task, answer)
        assert (prompt, answer, task) == draw(length, seed, i, fit_answer=fit), "not deterministic"
        if task != "lm":
            assert answer.endswith(STOP) and len(answer) > len(STOP), (task, answer)
            for item in answer[: -len(STOP)].split(b", "):
                assert item in prompt, (task, item)
            for secret in _secrets(task, s):
                assert split_of(secret) == "train", (task, secret)
        counts.setdefault(task, {}).setdefault(length, 0)
        counts[task][length] += 1
        if "haystack" in s:
            haystacks[s["haystack"]] = haystacks.get(s["haystack"], 0) + 1
    assert "eval" not in data._CORPUS, "the held-out Austen part was read"
    assert abs(sum(WEIGHTS.values()) - 1) < 1e-9
    print(f"{n} draws (seed {seed}), every third fitted to a training row; per task and length:")
    print(f"{'task':20}" + "".join(f"{L:>7}" for L in lengths) + "  min_len  answer_room")
    for t in TASKS:
        row = counts.get(t, {})
        print(f"{t:20}" + "".join(f"{row.get(L, 0):>7}" for L in lengths) + f"{MIN_LENGTH[t]:>9}{ANSWER_ROOM[t]:>13}")
    print(f"NIAH haystacks: {haystacks}")
    # The pick follows the renormalised weights (3,000 draws at 4096: a tolerance of over 4 standard errors).
    fits = [t for t in TASKS if MIN_LENGTH[t] <= 4096]
    drawn = [generate(4096, seed, n + i)[0] for i in range(3000)]
    share = {t: drawn.count(t) / len(drawn) for t in fits}
    for t in fits:
        expected = WEIGHTS[t] / sum(WEIGHTS[u] for u in fits)
        assert abs(share[t] - expected) < 0.04, (t, share[t], expected)
    print("shares at 4096 (3,000 draws): " + ", ".join(f"{t} {share[t]:.3f}" for t in fits))
    print("ok: exact lengths, answers in their prompts, train-split secrets only, Austen eval part never read")


if __name__ == "__main__":
    _self_check()
