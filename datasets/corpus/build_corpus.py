"""Builds the natural-text corpus and the word list from the Debian package r-cran-janeaustenr.

Usage (standard library only; run from the repository root):

    apt-get download r-cran-janeaustenr            # r-cran-janeaustenr_1.0.0-1_all.deb
    python3 datasets/corpus/build_corpus.py r-cran-janeaustenr_1.0.0-1_all.deb

writes datasets/corpus/austen-train.txt.gz, datasets/corpus/austen-eval.txt.gz and datasets/words.txt.
README.md beside this file states the source, the normalisation and the split.
"""

import collections
import gzip
import io
import lzma
import math
import re
import struct
import sys
import tarfile
import unicodedata
import zlib
from pathlib import Path

BOOKS = ["prideprejudice", "sensesensibility", "persuasion", "northangerabbey"]
"""The novels shipped, in this order (the package also has Emma and Mansfield Park)."""
EVAL_FRACTION = 0.1
"""Each book's last ceil(10%) of paragraphs are held out for evaluation."""
WORD_COUNT = 2000
"""Words in the word list."""
DATA = "./usr/lib/R/site-library/janeaustenr/data/Rdata"


def deb_member(deb: bytes, name: str) -> bytes:
    """A file from a .deb: an ar archive whose data.tar.* holds the package's files."""
    assert deb[:8] == b"!<arch>\n", "not a .deb (ar) file"
    pos = 8
    while pos < len(deb):
        header = deb[pos : pos + 60]
        member, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
        body = deb[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size & 1)
        if member.startswith("data.tar"):
            raw = lzma.decompress(body) if member.endswith(".xz") else body
            with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                return tar.extractfile(name).read()
    raise ValueError("no data.tar in the .deb")


def r_strings(blob: bytes, pos: int) -> list:
    """The R character vector (STRSXP) serialized in XDR format at `pos` of `blob`, as strings (NA as "")."""
    flags, n = struct.unpack(">ii", blob[pos : pos + 8])
    assert flags & 0xFF == 16, "not a character vector"
    pos += 8
    out = []
    for _ in range(n):
        flags, length = struct.unpack(">ii", blob[pos : pos + 8])
        pos += 8
        assert flags & 0xFF == 9
        out.append("" if length < 0 else blob[pos : pos + length].decode("utf-8"))
        pos += max(length, 0)
    return out


def r_character_vector(blob: bytes) -> list:
    """An R object serialized in XDR format (version 2 or 3) that is a character vector, as strings."""
    assert blob[:2] == b"X\n", "not an XDR serialization"
    pos = 14
    if struct.unpack(">i", blob[2:6])[0] == 3:
        pos += 4 + struct.unpack(">i", blob[pos : pos + 4])[0]
    return r_strings(blob, pos)


def load_books(deb: bytes) -> dict:
    """Each novel's lines, from the package's lazy-load database (Rdata.rdx index, Rdata.rdb objects)."""
    index = gzip.decompress(deb_member(deb, DATA + ".rdx"))
    rdb = deb_member(deb, DATA + ".rdb")
    # The index is list(variables = list(<name> = c(offset, length), ...), ...): the pairs come first, in
    # the order of the names attribute that follows them.
    int_pair = b"\x00\x00\x00\x0d\x00\x00\x00\x02"  # INTSXP header, length 2
    pairs = [struct.unpack(">ii", index[m.end() : m.end() + 8]) for m in re.finditer(int_pair, index)]
    names = r_strings(index, index.index(b"\x00\x00\x00\x05names") + 9)
    books = {}
    for name, (offset, length) in zip(names, pairs):
        obj = rdb[offset : offset + length]
        books[name] = r_character_vector(zlib.decompress(obj[4:]))
    return books


def to_ascii(text: str) -> str:
    """Curly quotes to straight ones, dashes to "--" / "-", then NFKD with every non-ASCII code point dropped."""
    for a, b in [("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2014", "--"), ("\u2013", "-")]:
        text = text.replace(a, b)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def paragraphs(lines: list) -> list:
    """The book's prose paragraphs, normalised (README.md, "Normalisation")."""
    out = []
    for block in re.split(r"\n\s*\n", "\n".join(lines)):
        p = to_ascii(block).replace("_", "")
        p = re.sub(r"\s+", " ", p).strip()
        p = re.sub(r"\b(Mrs|Mr|Dr|St)\. ", r"\1 ", p)
        if re.search(r"[a-z]", p) and p[-1] in ".?!\"':;,-" and not p.startswith(("[", "CHAPTER", "Chapter")):
            out.append(p)
    return out


def main() -> None:
    deb = Path(sys.argv[1]).read_bytes()
    books = load_books(deb)
    train, held_out = [], []
    for name in BOOKS:
        paras = paragraphs(books[name])
        cut = len(paras) - math.ceil(len(paras) * EVAL_FRACTION)
        train += paras[:cut]
        held_out += paras[cut:]
    root = Path(__file__).resolve().parent
    for part, paras in [("train", train), ("eval", held_out)]:
        data = "".join(p + "\n" for p in paras).encode("ascii")
        (root / f"austen-{part}.txt.gz").write_bytes(gzip.compress(data, 9, mtime=0))
        print(f"{part}: {len(paras)} paragraphs, {len(data)} bytes")
    counts = collections.Counter()
    for p in train + held_out:
        for token in re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)*", p):
            if re.fullmatch(r"[a-z]+", token):
                counts[token] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:WORD_COUNT]
    (root.parent / "words.txt").write_text("".join(w + "\n" for w, _ in ranked), encoding="ascii")
    print(f"words: {len(ranked)}, last {ranked[-1]}")


if __name__ == "__main__":
    main()
