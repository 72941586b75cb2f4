"""Presenting answers, hits and review: terminal text, and escaped HTML for the web page.

Renderers take data and return text; they open no index and no database (the page and the CLI fetch, this shows).
The JSON of an answer or a hit is the answer module's.
"""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from index import Hit

from .answer import Answer

def label(h: Hit) -> str:
    """'[1] notes/aws.md:512-514 — Section > Sub'"""
    heading = f" — {h.chunk.heading}" if h.chunk.heading else ""
    return f"[{h.rank}] {h.chunk.citation}{heading}"


def terminal(answer: Answer) -> str:
    out = []
    if answer.abstained or not answer.hits:
        out.append(answer.text)
    else:
        out.append("Answer:")
        for s in answer.sentences:
            out.append(f"  {s.text.strip()}  [{s.hit.rank}] {s.citation}")
    out.append("")
    for h in answer.hits:
        out.append(label(h))
        out.append("    " + h.chunk.text.strip().replace("\n", "\n    "))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def group_by_heading(hits: list[Hit]) -> list[tuple[str, list[Hit]]]:
    """Hits grouped under their heading path, groups in order of their best hit."""
    groups: dict[str, list[Hit]] = {}
    for h in hits:
        groups.setdefault(h.chunk.heading, []).append(h)
    return list(groups.items())


# Characters that Markdown or LaTeX would interpret inside the chat; as entities they show as typed.
_MD_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "_*`~[]\\$"})


def esc(text: str) -> str:
    """Escape note text so it shows as text: no HTML runs and no Markdown reshapes it."""
    return html.escape(text, quote=True).translate(_MD_ENTITIES)


def file_lines(path: str) -> list[str] | None:
    """The note's lines as an editor counts them; cached while the file is unchanged."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return _cached_lines(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=16)
def _cached_lines(path: str, mtime_ns: int, size: int) -> list[str] | None:
    from ingest.textfile import read_lines

    try:
        lines, _ = read_lines(Path(path), path)
        return lines
    except Exception:
        return None


def context_html(h: Hit, files: dict[str, dict], around: int = 3, marked_lines: set[int] | None = None,
                 chunks: list | None = None, marked_text: list[str] | None = None) -> str:
    """The passage in its file: a few lines either side (text files), or the passages around it in its slide,
    page, paragraphs, chapter or cells (other kinds); the cited part marked, all text escaped."""
    c = h.chunk
    if c.start_line is None and chunks is not None:
        return unit_context(c, chunks, marked_text or [])
    return context_block(c.source, c.start_line, c.end_line, c.text, files, around, marked_lines)


# How far around the cited unit the viewer shows, by unit: a slide or page is shown whole (all its passages),
# paragraphs and cells with their neighbours.
_AROUND = {"page": 0, "slide": 0, "paragraph": 3, "chapter": 3, "cell": 1}


def part_of(c, chunk) -> bool:
    """Whether passage ``c`` is ``chunk`` or one of the neighbours a search showed joined as ``chunk``
    (index.neighbours)."""
    return c == chunk or (c.source == chunk.source and c.unit_kind == chunk.unit_kind and c.chapter == chunk.chapter
                          and chunk.span[0] <= c.span[0] and c.span[1] <= chunk.span[1] and c.text in chunk.text)


def _cited(chunk, near: list) -> list:
    """The passages of ``near`` that ``chunk`` is: itself, or the run of neighbours a search joined into it."""
    from index.neighbours import rejoined

    if any(c == chunk for c in near):
        return [c for c in near if c == chunk]
    return rejoined([c for c in near if part_of(c, chunk)], lambda excerpt: excerpt.text == chunk.text)[0]


def neighbours(chunk, chunks: list) -> list:
    """The passages shown with ``chunk`` in its context: same file and unit kind, within _AROUND units, in order."""
    around = _AROUND.get(chunk.unit_kind, 0)
    first, last = chunk.span
    same = [c for c in _in_file_near(chunks, chunk.source, chunk.chapter, first, must_hold=chunk)
            if c.unit_kind == chunk.unit_kind and c.chapter == chunk.chapter]
    near = [c for c in same if c.span[1] >= first - around and c.span[0] <= last + around]
    return sorted(near, key=lambda c: c.span) or [chunk]


def _in_file_near(chunks, source: str, chapter: int | None, line: int, must_hold=None) -> list:
    """Passages of ``source`` around ``line``: from a loaded index only the few near it (a book's thousands of
    passages are not read for one citation), the whole file if those miss ``must_hold``; from a list, the file's."""
    if hasattr(chunks, "around"):
        near = chunks.around(source, chapter, line)
        return near if must_hold is None or any(part_of(c, must_hold) for c in near) else chunks.in_file(source)
    return _by_source(chunks).get(source, [])


_GROUPED: list = [None, {}]  # (the passage list of the live index, its passages by file)


class _InFile:
    """The passages of one file read from the index when asked for (a loaded index reads its passages on demand)."""

    def __init__(self, chunks):
        self.chunks = chunks

    def get(self, source: str, default=None) -> list:
        return self.chunks.in_file(source) or (default if default is not None else [])


def _by_source(chunks: list) -> dict[str, list]:
    """Passages grouped by file, built once per index (an index's passage list never changes)."""
    if hasattr(chunks, "in_file"):
        return _InFile(chunks)
    if _GROUPED[0] is not chunks:
        groups: dict[str, list] = {}
        for c in chunks:
            groups.setdefault(c.source, []).append(c)
        _GROUPED[:] = [chunks, groups]
    return _GROUPED[1]


def fingerprint(text: str) -> str:
    """A short name for a passage or sentence in a chip's address: several passages share one page or slide."""
    import hashlib

    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:8]


def _bold(body: str, sentence: str) -> str:
    """``sentence`` in bold inside the escaped ``body``, wherever the passage wraps it over lines."""
    import re

    words = [re.escape(esc(w)) for w in sentence.split()]
    if not words:
        return body
    return re.sub(r"\s+".join(words), lambda m: f"<b>{m.group(0)}</b>", body, count=1)


def unit_context(chunk, chunks: list, marked_text: list[str]) -> str:
    """The cited passage among its neighbours, each labelled with its unit; the cited one marked."""
    rows = []
    near = neighbours(chunk, chunks)
    parts = _cited(chunk, near)
    for c in near:
        body = esc(c.text.strip())
        cited = any(c is p for p in parts)
        if cited:
            for sentence in marked_text:
                body = _bold(body, sentence)
            body = f"<mark>{body}</mark>"
        heading = f" — {esc(c.heading)}" if c.heading else ""
        rows.append(f'<div class="unit{" cited" if cited else ""}"><small>{"▶ " if cited else ""}'
                    f"{esc(c.locator)}{heading}</small>"
                    f'<pre class="ctx-pre">{body}</pre></div>')
    return '<div class="ctx">' + "".join(rows) + "</div>"


def _highlight(escaped_line: str, phrase: str | None) -> str:
    if not phrase:
        return escaped_line
    target = esc(phrase)
    i = escaped_line.lower().find(target.lower())
    if i < 0:
        return escaped_line
    return f"{escaped_line[:i]}<mark><b>{escaped_line[i:i + len(target)]}</b></mark>{escaped_line[i + len(target):]}"


def context_block(source: str, start: int | None, end: int | None, text: str, files: dict[str, dict], around: int = 3,
                  marked_lines: set[int] | None = None, highlight: str | None = None) -> str:
    """Lines start..end of a note with ``around`` lines either side; cited lines marked, ``highlight`` in bold."""
    info = files.get(source, {})
    lines = file_lines(info["path"]) if info.get("path") and start else None
    if not lines:
        return f'<div class="ctx"><pre class="ctx-pre"><mark>{_highlight(esc(text), highlight)}</mark></pre></div>'
    first = max(1, start - around)
    last = min(len(lines), end + around)
    rows = []
    for n in range(first, last + 1):
        inside = start <= n <= end
        line = esc(lines[n - 1]) or " "
        if marked_lines and n in marked_lines:
            line = f"<mark><b>{line}</b></mark>"
        elif inside:
            line = f"<mark>{_highlight(line, highlight)}</mark>"
        rows.append(f"{'▶' if inside else ' '}{n:>5} │ {line}")
    return '<div class="ctx"><pre class="ctx-pre">' + "\n".join(rows) + "</pre></div>"


def cite_href(chunk, marked_lines: set[int] | None = None, said: list[str] = ()) -> str:
    """The chip's address: '#cite?source=...&kind=lines&start=668&end=676&mark=668,670'. A page, slide or other
    unit may hold several passages: ``p`` names the passage, ``b`` the answer sentences to show in bold."""
    start, end = chunk.span
    fields = {"source": chunk.source, "kind": chunk.unit_kind, "start": start, "end": end}
    if chunk.chapter is not None:
        fields["chapter"] = chunk.chapter
    if marked_lines:
        fields["mark"] = ",".join(str(n) for n in sorted(marked_lines))
    if chunk.unit_kind != "lines":
        fields["p"] = fingerprint(chunk.text)
        if said:
            fields["b"] = ",".join(fingerprint(s) for s in said)
    return "#cite?" + urlencode(fields)


def chip(rank: int, chunk, marked_lines: set[int] | None = None, where: str | None = None, said: list[str] = ()) -> str:
    """'[n]' as a link that opens the passage in the viewer; hovering shows where it is."""
    heading = f" — {chunk.heading}" if chunk.heading else ""
    title = f"{where or chunk.citation}{heading}"
    return (f'<a class="chip" href="{esc(cite_href(chunk, marked_lines, said))}" title="{esc(title)}" role="button">'
            f"[{rank}]</a>")


def answer_html(answer: Answer, files: dict[str, dict], chunks: list | None = None) -> str:
    """The chat reply: answer sentences, each ending in a chip [n] that opens its passage beside the chat, then the
    numbered citations, each opening in place in its context (with a chip to open it beside the chat too)."""
    parts = []
    if not answer.hits:
        return esc(answer.text)
    if answer.abstained:
        parts.append(f"<p><b>{esc(answer.text)}</b></p>")
    else:
        parts.append('<p class="answer-text">' + "<br>".join(
            f"{esc(s.text.strip())} {chip(s.hit.rank, s.hit.chunk, s.lines, s.citation, [s.text])}" for s in answer.sentences
        ) + "</p>")
    if answer.query != answer.question:
        parts.append(f"<p><i>Searched as a follow-up: “{esc(answer.query)}”</i></p>")
    if answer.indexing:
        parts.append(f'<p class="indexing-note">{esc(answer.indexing)}</p>')
    for h in answer.hits:
        marked = set().union(*[s.lines for s in answer.sentences if s.hit is h])
        said = [s.text for s in answer.sentences if s.hit is h]
        heading = f" — {esc(h.chunk.heading)}" if h.chunk.heading else ""
        # The summary is the toggle: no link inside it (nested controls confuse keyboards and screen readers).
        parts.append(
            f'<details class="cite"><summary>[{h.rank}] {esc(h.chunk.citation)}'
            f'<span class="cite-heading">{heading}</span></summary>'
            f'<p class="open-beside">{chip(h.rank, h.chunk, marked, said=said)} open beside the chat</p>'
            f"{context_html(h, files, marked_lines=marked, chunks=chunks, marked_text=said)}</details>"
        )
    return "\n".join(parts)


def card_html(card, number: int | None = None) -> str:
    """The question of a card, with its kind and section (and its number in this sitting, if given)."""
    count = f"card {number} · " if number else ""
    return (f'<p class="card-q"><small>{count}{esc(card.kind)} · {esc(card.section())}</small><br>'
            f"<b>{esc(card.question)}</b></p>")


def verdict_html(feedback) -> str:
    """What a student reads first once a card is answered: the suggested grade and why (a graded reply), or that the
    answer was only shown; then their reply and the answer."""
    card, g = feedback.card, feedback.grade
    if g is not None:
        line = (f'<p class="grade grade-{esc(g.name)} grade-{esc(g.color)}"><b>{g.mark} {esc(g.name)}</b>: '
                f"{esc(g.reason)}.</p>")
    else:
        line = '<p class="grade grade-shown"><b>Answer shown</b>: how well did you know it?</p>'
    said = f'<p class="reply">You said: {esc(feedback.answer.strip())}</p>' if feedback.answer.strip() else ""
    return f'{line}{said}<p class="answer">Answer: <b>{esc(card.answer)}</b></p>'


def cited_html(card, files: dict[str, dict], chunks: list | None = None) -> str:
    """The cited lines (or slide, paragraphs, cells) of the note a card was cut from, its answer marked."""
    heading = f" — {card.heading}" if card.heading else ""
    cited = _card_passage(card, chunks) if card.unit and chunks else None
    if cited is not None:
        context = unit_context(cited, chunks, [card.answer])
    else:
        context = context_block(card.source, card.start_line, card.end_line, card.answer, files, around=2, highlight=card.answer)
    return f'<details class="cite" open><summary>{esc(card.citation + heading)}</summary>{context}</details>'


def feedback_html(feedback, files: dict[str, dict], chunks: list | None = None) -> str:
    """The grade, the answer, and the cited lines of the note with the answer marked."""
    return verdict_html(feedback) + cited_html(feedback.card, files, chunks)


def rating_label(rating: int, interval: str) -> str:
    """A rating button's words: 'Good · in 2 days' (the interval FSRS gives the card for that rating)."""
    from .review.grading import RATING_NAMES

    return f"{RATING_NAMES[rating].capitalize()} · {interval}"


def rated_html(rating: int, interval: str) -> str:
    from .review.grading import RATING_NAMES

    return f'<p class="review-note">Rated {esc(RATING_NAMES[rating])} · next review {esc(interval)}.</p>'


def review_counts_html(stats: dict) -> str:
    """The counts a student sees before starting, true before any review: cards, due today, new, learned, and
    learning (last rated Again) / suspended / flagged when there are any."""
    parts = [(stats["cards"], "cards"), (stats["due_today"], "due today"), (stats["new"], "new"), (stats["learned"], "learned")]
    parts += [(stats[key], key) for key in ("learning", "suspended", "flagged") if stats.get(key)]
    return '<p class="review-counts">' + " · ".join(f"<b>{n}</b> {what}" for n, what in parts) + "</p>"


def no_section_html(text: str, sections: list[str]) -> str:
    """A section text that matches no heading: say so, and name the sections there are."""
    names = ", ".join(esc(s) for s in sections) or "none yet (no cards)"
    return f'<p class="review-error">No section matches “{esc(text.strip())}”. Sections: {names}</p>'


def _card_passage(card, chunks: list):
    """The passage a card was cut from, found by its file and unit (cards outlive the index they came from)."""
    def cut_from(c) -> bool:
        first, last = c.span
        return c.unit == card.unit and c.chapter == card.chapter and first <= (card.start_line or 0) <= last

    near = _in_file_near(chunks, card.source, card.chapter, card.start_line or 0)
    found = next((c for c in near if cut_from(c)), None)
    if found is None and hasattr(chunks, "in_file"):
        found = next((c for c in chunks.in_file(card.source) if cut_from(c)), None)
    return found


def review_progress_html(stats: dict, recovered: str | None = None) -> str:
    """Due today, new and reviews done, and per section its cards, reviews and retention."""
    notice = f'<p class="review-warning"><b>Note:</b> {esc(recovered)}</p>' if recovered else ""

    def retention(value) -> str:
        return "–" if value is None else f"{value:.0%}"

    rows = "".join(f"<tr><td class=\"section\">{esc(s['section'] or '(no heading)')}</td><td>{s['cards']}</td><td>{s['reviews']}</td><td>{retention(s['retention'])}</td></tr>"
                   for s in stats["sections"])
    return notice + (f"<p><b>Due today:</b> {stats['due_today']} · <b>new:</b> {stats['new']} · <b>reviews done:</b> {stats['reviewed']}</p>"
                     # on a phone the table scrolls sideways inside its own box; long section names wrap
                     '<div class="table-wrap" tabindex="0" role="region" aria-label="Progress per section">'
                     '<table class="progress"><thead><tr><th>section</th><th>cards</th>'
                     "<th>reviews</th><th>retention</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table></div>")
