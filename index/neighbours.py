"""Neighbouring passages that rank near the top are shown as one excerpt.

A passage is cut where the text grows past a size, not where its subject ends: a story's scene, a section's
argument, a question's setup and its answer often run over two passages. When the best hits include two neighbours
of one file (same heading, same page or unit), the reader gets them joined, as they stand in the file, under one
citation that spans both; the place the second held in the list goes to the next passage. This is what a reader does
with two neighbouring results anyway, and what LlamaIndex's auto-merging retrieval does with a parent's chunks.
Only the first JOIN_WITHIN hits are joined: lower down a neighbour is there for its own words, not for the same
answer.
"""
from __future__ import annotations

from dataclasses import replace

from ingest import Chunk

JOIN_WITHIN = 3  # ranks: a neighbour ranked this high belongs to the same answer (benchmarks/corpora.py, README); so
# an excerpt is three passages at most


RUNNING = ("lines", "paragraph", "chapter")  # units numbered line by line through a passage


def joinable(a: Chunk, b: Chunk) -> bool:
    """Whether ``a`` and ``b`` (neighbouring rows of an index) may be read as one excerpt with one citation. Cited
    by lines or paragraphs (Word, EPUB), each sentence keeps its own line or paragraph, so a story's setup in one
    paragraph and its answer in the next join (a Word copy of the prose corpus: hit@1 0.436 -> 0.509); cited by a
    unit read on its own (page, slide, cell), a sentence is cited by its passage's unit, so only passages of the same
    unit join (two passages of one page, not of two slides)."""
    return (a.source == b.source and a.heading == b.heading and a.page == b.page and a.kind == b.kind
            and a.unit == b.unit and a.chapter == b.chapter and (a.unit_kind in RUNNING or a.span == b.span))


def shares_line(a: Chunk, b: Chunk) -> bool:
    """Whether ``b`` starts on the file line where ``a`` ends (a boundary inside a hard-wrapped paragraph's line).
    Only for passages cited by lines: a cell's or paragraph's lines all carry its number."""
    return a.unit_kind == "lines" and bool(a.lines and b.lines) and a.lines[-1] == b.lines[0]


def line_offsets(parts: list[Chunk]) -> list[int]:
    """Where each part's first text line stands in the joined text (a shared line counts once)."""
    out, at = [], 0
    for i, part in enumerate(parts):
        if i and shares_line(parts[i - 1], part):
            at -= 1
        out.append(at)
        at += part.text.count("\n") + 1
    return out


def join(parts: list[Chunk]) -> Chunk:
    """One passage of neighbours ``parts`` (in file order): their texts as the file has them, a citation of both."""
    first, last = parts[0], parts[-1]
    text, index_text = first.text, first.index_text or first.text
    lines, ends = list(first.lines), list(first.line_ends or first.lines)
    for before, part in zip(parts, parts[1:]):
        shared = shares_line(before, part)
        glue = " " if shared else "\n"
        text += glue + part.text
        index_text += glue + (part.index_text or part.text)
        skip = 1 if shared else 0
        if shared and ends:
            ends[-1] = (part.line_ends or part.lines)[0]
        lines += part.lines[skip:]
        ends += (part.line_ends or part.lines)[skip:]
    own_ends = any(p.line_ends for p in parts)
    ends_at = [p.end_line for p in parts if p.end_line is not None]
    # a unit-cited excerpt spans all its parts' numbers (text after a nested paragraph carries the outer one's)
    spans = [p.span for p in parts] if first.unit else []
    return replace(first, text=text, end_line=max(ends_at) if ends_at else last.end_line, lines=tuple(lines),
                   first=min(a for a, _ in spans) if spans else first.first, last=max(b for _, b in spans) if spans else last.last,
                   line_ends=tuple(ends) if own_ends else (),
                   index_text=index_text if any(p.index_text for p in parts) else "",
                   captions=tuple(c for p in parts for c in p.captions), ocr=any(p.ocr for p in parts))


def rejoined(parts: list[Chunk], joined_is) -> tuple[list[Chunk], Chunk | None]:
    """The run of ``parts`` (passages of one file, in order) whose excerpt ``joined_is``, and that excerpt; a
    citation names an excerpt by its text, so the viewer finds its passages again this way."""
    runs = (parts[i:i + n] for n in range(2, JOIN_WITHIN + 1) for i in range(len(parts) - n + 1))
    return next(((run, excerpt) for run in runs if joined_is(excerpt := join(run))), ([], None))


def groups(rows: list[int], chunk_of) -> list[list[int]]:
    """The hits' rows (best first) as the excerpts to show: each a run of neighbouring rows in file order, a row
    among the first JOIN_WITHIN joining an earlier one it borders. ``chunk_of(row)`` gives a row's passage."""
    out: list[list[int]] = []
    for rank, row in enumerate(rows):
        home = None
        if rank < JOIN_WITHIN:
            home = next((g for g in out if (row == g[0] - 1 or row == g[-1] + 1)
                         and joinable(chunk_of(min(row, g[0])), chunk_of(max(row, g[-1])))), None)
        if home is None:
            out.append([row])
            continue
        home[:] = sorted([*home, row])
        # the row may close the gap to another excerpt ([10] and [12], then 11): the two become one, at the better place
        other = next((g for g in out if g is not home and (g[0] == home[-1] + 1 or g[-1] == home[0] - 1)
                      and joinable(chunk_of(g[0]), chunk_of(home[0]))), None)
        if other is not None:
            keep, drop = (home, other) if out.index(home) < out.index(other) else (other, home)
            keep[:] = sorted([*keep, *drop])
            out.remove(drop)
    return out


def excerpts(hits: list, chunk_of) -> list:
    """The hits (best first; index.search.Hit) with neighbours among the first JOIN_WITHIN shown as one excerpt each,
    at the better one's place, ranked 1..n again."""
    by_row = {h.row: h for h in hits}
    out = []
    for rows in groups([h.row for h in hits], chunk_of):
        best = min((by_row[r] for r in rows), key=lambda h: h.rank)
        if len(rows) > 1:
            best = replace(best, chunk=join([chunk_of(r) for r in rows]), rows=tuple(rows))
        out.append(replace(best, rank=len(out) + 1))
    return out


def sentences(parts: list[Chunk], scored: list[list[tuple]]) -> list[tuple]:
    """The scored sentences (index.store.Sentence, similarity) of each part, numbered by the excerpt's lines; the
    sentence a boundary cut is kept once, whole (the earlier half with its rest), at its better score."""
    out: list[tuple] = []
    for at, part in zip(line_offsets(parts), scored):
        part = [(replace(s, line=s.line + at, last_line=s.last_line + at), sim) for s, sim in part]
        if out and part and part[0][0].start and out[-1][0].rest:
            out[-1] = (out[-1][0], max(out[-1][1], part[0][1]))
            part = part[1:]
        out += part
    return out
