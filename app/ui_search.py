"""The Search tab's results: which hits are worth showing, and how they read.

Hits come in rank order and stay in it; consecutive hits under the same heading share one heading line. Words
of the query (as retrieval matches them: lower-cased, stemmed) are marked in each passage. A passage with no
words of its own (an image reference, a file name, a bare link) is never a result, and weak hits are cut off
instead of always filling ten places.
"""
from __future__ import annotations

import re

from index import Hit

from .render import context_html, esc

MAX_RESULTS = 10
# Hits kept: at least this share of the best hit's fused score. Fused scores are scaled to the best candidate, so
# the share means the same on any notes: past half of the best, a list drifts off topic (a topic held by one
# passage drops from 1.0 to below 0.3 right after it).
RELATIVE_CUTOFF = 0.5
# A hit that shares no word with the query is kept only when its meaning is this close (dense cosine): made-up
# words ("xyzzy quux") reached 0.21 there, so without the floor they would list ten unrelated passages.
DENSE_FLOOR = 0.3
MIN_WORDS = 3  # fewer real words than this: an image reference, a file name or a bare link, nothing to read

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_URL = re.compile(r"\b\w+://\S+|\bwww\.\S+")
_FILENAME = re.compile(r"\S*[\w.]\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?|pdf|md|txt|docx?|pptx?|html?|ipynb|epub|zip)\b\S*",
                       re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")
_TOKEN = re.compile(r"\w+")


def readable_words(text: str) -> list[str]:
    """The words a person would read in ``text``: image references, links and file names left out."""
    bare = _FILENAME.sub(" ", _URL.sub(" ", _IMAGE.sub(" ", text)))
    return [t for t in re.split(r"[\s/\\>~|]+", bare) if _WORD.fullmatch(t.strip(".,:;!?()[]*_\"'“”‘’-•"))]


def has_words(hit: Hit) -> bool:
    return len(readable_words(hit.chunk.text)) >= MIN_WORDS


def worth_showing(hits: list[Hit], limit: int = MAX_RESULTS) -> list[Hit]:
    """The hits a person should see, best first: wordless passages dropped, then the weak tail cut off."""
    worded = [h for h in hits if has_words(h)]
    if not worded:
        return []
    top = max(h.score for h in worded)
    kept = [h for h in worded if h.score >= RELATIVE_CUTOFF * top and (h.lexical > 0 or h.dense >= DENSE_FLOOR)]
    return kept[:limit]


def query_terms(query: str) -> set[str]:
    """The query's words as retrieval matches them (lower-cased, stemmed, no stop words)."""
    from index.lexical import tokenize

    return set(tokenize(query))


def highlight(text: str, terms: set[str]) -> str:
    """``text`` escaped, each word that matches a query term wrapped in <mark>."""
    from index.lexical import tokenize

    out, at = [], 0
    for m in _TOKEN.finditer(text):
        word = m.group()
        if terms and terms.intersection(tokenize(word)):
            out.append(esc(text[at:m.start()]))
            out.append(f'<mark class="hit-term">{esc(word)}</mark>')
            at = m.end()
    out.append(esc(text[at:]))
    return "".join(out)


def runs_by_heading(hits: list[Hit]) -> list[tuple[str, list[Hit]]]:
    """Hits in rank order, consecutive ones from the same file and heading together (rank order is never broken)."""
    runs: list[tuple[str, list[Hit]]] = []
    last = None
    for h in hits:
        key = (h.chunk.source, h.chunk.heading)
        if runs and key == last:
            runs[-1][1].append(h)
        else:
            runs.append((h.chunk.heading, [h]))
        last = key
    return runs


def results_html(query: str, hits: list[Hit], files: dict[str, dict], chunks=None) -> str:
    """The Search tab's answer for ``query`` (hits as the searcher returned them)."""
    shown = worth_showing(hits)
    head = f'<section class="results" data-query="{esc(query)}">'
    if not shown:
        return (f'{head}<p class="no-results">No passage in your notes is about “{esc(query)}”. '
                "Try other words, or the exact term as your notes write it.</p></section>")
    terms = query_terms(query)
    count = f"{len(shown)} passage{'s' if len(shown) != 1 else ''}, best first"
    parts = [head, f'<p class="results-count">{count}</p>']
    number = 0
    for heading, run in runs_by_heading(shown):
        parts.append(f'<div class="hit-group"><h2 class="hit-heading">{esc(heading or "(no heading)")}</h2>')
        for h in run:
            number += 1  # its place among the results shown (a dropped hit leaves no gap)
            parts.append(
                f'<article class="hit" data-rank="{number}"><p class="hit-cite"><span class="rank">[{number}]</span> '
                f"<code>{esc(h.chunk.citation)}</code></p>"
                f'<pre class="passage">{highlight(h.chunk.text.strip(), terms)}</pre>'
                f'<details class="cite"><summary>Show in context</summary>{context_html(h, files, chunks=chunks)}</details>'
                "</article>")
        parts.append("</div>")
    return "\n".join(parts) + "</section>"
