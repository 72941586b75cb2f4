"""The sources panel beside the chat: the notes with their passage counts and status, ticked to say which ones a
question searches (the search itself keeps to them: index.search)."""
from __future__ import annotations

from pathlib import Path

from . import answer as answering
from .render import esc

def source_choices(files: dict[str, dict]) -> list[tuple[str, str]]:
    """(label, source) for each file that has passages: 'biology.md · 3 passages' (its path inside the notes folder:
    'sub/x.md · 2 passages', so two files of one name in two folders stay apart)."""
    out = []
    for source, info in sorted(files.items()):
        n = info.get("passages", 0)
        if not info.get("error") and n:
            inside = source.split("/", 1)[1] if "/" in source else source
            out.append((f"{inside} · {n} passage{'s' if n != 1 else ''}", source))
    return out


def unreadable_html(files: dict[str, dict]) -> str:
    """The files that could not be indexed, one line each, and where notes are added, fixed or removed."""
    bad = [(s, i["error"]) for s, i in sorted(files.items()) if i.get("error")]
    rows = "".join(f'<li title="{esc(why)}">{esc(Path(s).name)}: not indexed</li>' for s, why in bad)
    hint = "Fix or remove them on the Notes tab." if bad else "Add or remove notes on the Notes tab."
    return (f'<ul class="unreadable">{rows}</ul>' if rows else "") + f'<p class="sources-hint">{hint}</p>'


def chosen(ticked: list[str] | None, files: dict[str, dict]) -> set[str] | None:
    """The files a question searches: None for all (nothing ticked off); an empty set when none are ticked."""
    everything = {s for _, s in source_choices(files)}
    if ticked is None:
        return None
    picked = set(ticked) & everything
    return None if picked == everything else picked


def ask_within(study, question: str, sources: set[str] | None, previous: list[str] | None = None, k: int = 5):
    """Study.ask, searching only ``sources`` (None: every file; none ticked: nothing to search)."""
    if sources is not None and not sources:
        return answering.Answer(question.strip(), [], query=question.strip())
    return study.ask(question, k=k, previous=previous, sources=sources)
