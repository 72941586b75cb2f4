"""Exact names looked up: does a search for an identifier the notes write once find the passage that writes it?

    python benchmarks/lookups.py [--only NAME] [--corpus DIR] [--per-corpus 60]

For every corpus of benchmarks/corpora.py: the words with an underscore, a digit or CamelCase ("precision_score",
"EC2", "KeyError") that stand exactly once in the notes and in their shown text, up to --per-corpus of them (a fixed sample), each searched
alone; hit@1 / hit@5 when the result holds it, for study (`study search`: hybrid) and the two baselines of
corpora.py (the tutorial pipeline, dense only, and BM25 on its 1000/200 chunks). What users of dense-only tools
report first: "exact terms missed".
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import ROOT, baselines, corpora, plain_text  # noqa: E402

sys.path.insert(0, str(ROOT))
from app.evaluate import from_file, is_hit  # noqa: E402
from index import Searcher, build, load_embedder  # noqa: E402

NAME = re.compile(r"(?<![\w.-])(?=[A-Za-z0-9_]*[A-Za-z])(?=[A-Za-z0-9_]*(?:_|[0-9]|[a-z][A-Z]))[A-Za-z0-9_]{3,}(?![\w-])")


def lookups(texts: list[tuple[str, str]], shown: str, most: int) -> list[dict]:
    """One item per identifier written exactly once in the notes, and in what a reader sees of them (``shown``, the
    passages' text: not a link's URL or an image path): search it, expect the passage that writes it."""
    counts = Counter(m for _, text in texts for m in NAME.findall(text))
    visible = set(NAME.findall(shown))
    where = {m: src for src, text in texts for m in NAME.findall(text) if counts[m] == 1 and m in visible}
    names = sorted(where)
    random.Random(0).shuffle(names)
    return [{"question": n, "file": where[n], "answer_contains": [n]} for n in names[:most]]


def study_ranks(searcher: Searcher, items: list[dict]) -> dict:
    ranks = []
    for it in items:
        hits = searcher.search(it["question"], k=5)
        ranks.append(next((h.rank for h in hits if from_file(h.chunk.source, it["file"])
                           and is_hit(h.chunk.text, it["answer_contains"])), None))
    n = len(ranks) or 1
    return {"hit@1": sum(r == 1 for r in ranks) / n, "hit@5": sum(r is not None for r in ranks) / n}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="run only this corpus (repeatable)")
    parser.add_argument("--corpus", action="append", type=Path, default=[], help="also run this folder (repeatable)")
    parser.add_argument("--per-corpus", type=int, default=60, help="identifiers looked up per corpus")
    args = parser.parse_args(argv)
    embedder = load_embedder()
    print("| corpus | names | study hit@1 | hit@5 | tutorial hit@1 | hit@5 | bm25 hit@1 | hit@5 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, notes, _ in corpora(args.corpus):
        if args.only and name not in args.only:
            continue
        texts = plain_text(notes)
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp), [notes], embedder)
            searcher = Searcher.open(Path(tmp), embedder)
            items = lookups(texts, "\n".join(searcher.chunks[r].text for r in range(len(searcher.chunks))), args.per_corpus)
            ours = study_ranks(searcher, items)
        theirs = baselines(texts, items, embedder)
        cells = [ours] + [theirs[s] for s in ("tutorial", "bm25")]
        print(f"| {name} | {len(items)} | " + " | ".join(f"{c['hit@1']:.2f} | {c['hit@5']:.2f}" for c in cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
