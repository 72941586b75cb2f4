"""Cards out to other tools: an Anki deck (.apkg, written with genanki) and a CSV file for Anki's text import.

A card's note in Anki has the card id as its guid, so importing a newer export updates the notes already there
instead of adding copies. Deck and note type ids are hashes of their names: the same deck every time.
Cloze cards go out as plain question / answer notes (the blank stays "___"), like the others.
"""
from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .cards import Card

CSV_COLUMNS = ("question", "answer", "citation", "section", "kind")
MODEL_NAME = "study: question, answer, source"
# How a note shows in Anki: the question, then the answer with where in the notes it comes from.
_FRONT = '<div class="question">{{Question}}</div>'
_BACK = '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div><div class="source">{{Source}}</div>'
_CSS = (".card { font-family: sans-serif; font-size: 20px; text-align: left; }\n"
        ".source { margin-top: 1em; font-size: 14px; color: #777; }")


class ExportError(Exception):
    """The export file cannot be written; the message names it and says what to do."""


def check_target(path: Path, suffix: str | None = None) -> None:
    """Fail early, in one line, when ``path`` cannot be a file this user writes."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name inside it, e.g. {path / ('cards' + (suffix or '.csv'))}")
    if suffix and path.suffix.lower() != suffix:
        raise ExportError(f"{path}: give a file name ending in {suffix} (e.g. {path.with_suffix(suffix).name})")
    folder = path.parent
    if not folder.exists():
        raise ExportError(f"the folder {folder} does not exist; create it (mkdir -p {folder}) or choose another path")
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder; choose a path inside a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write in {folder}; choose a folder you can write to")


@contextmanager
def _replacing(path: Path, mode: str = "wb", **kwargs):
    """Write a scratch file beside ``path`` and put it in place at the end: a failed export leaves the old file."""
    scratch = path.with_name(f".{path.name}.partial")  # opened as usual, so the file gets the user's umask
    try:
        with open(scratch, mode, **kwargs) as fh:
            yield fh
        os.replace(scratch, path)
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}; check the disk and the folder's permissions") from None
    finally:
        if scratch.exists():
            scratch.unlink()


def _stable_id(name: str) -> int:
    """An Anki id for a deck or note type from its name (genanki's advice: between 2**30 and 2**31)."""
    return (1 << 30) + int(hashlib.sha1(name.encode()).hexdigest(), 16) % (1 << 30)


def _tags(card: Card, flagged: bool) -> list[str]:
    """The heading path as one hierarchical Anki tag (Section::Sub, spaces as _), the kind, and "marked" if flagged."""
    path = "::".join(re.sub(r"\s+", "_", part.strip()) for part in card.heading.split(" > ") if part.strip())
    return [t for t in (path, card.kind, "marked" if flagged else "") if t]


def write_apkg(cards: list[Card], path: Path, deck_name: str, flagged: set[str] = frozenset()) -> None:
    """An Anki package holding one deck: a note per card (fields Question, Answer, Source), guid = card id."""
    import genanki

    check_target(path, ".apkg")
    model = genanki.Model(_stable_id(MODEL_NAME), MODEL_NAME, css=_CSS,
                          fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Source"}],
                          templates=[{"name": "Card 1", "qfmt": _FRONT, "afmt": _BACK}])
    deck = genanki.Deck(_stable_id(deck_name), deck_name)
    for card in cards:
        fields = [html.escape(card.question), html.escape(card.answer), html.escape(card.citation)]
        deck.add_note(genanki.Note(model=model, fields=fields, guid=card.id, tags=_tags(card, card.id in flagged)))
    # genanki's write_to_file leaves its scratch database in the system temp folder; this one is cleaned up.
    with tempfile.TemporaryDirectory() as tmp, _replacing(path) as out:
        _package(genanki.Package(deck), Path(tmp) / "collection.anki2", out)


def _package(package, db_path: Path, out) -> None:
    import itertools
    import sqlite3
    import time
    import zipfile
    from contextlib import closing

    stamp = time.time()
    try:
        with closing(sqlite3.connect(db_path)) as db:
            package.write_to_db(db.cursor(), stamp, itertools.count(int(stamp * 1000)))
            db.commit()
    except sqlite3.Error as e:
        raise ExportError(f"cannot build the Anki deck in the temporary folder ({e}); free some space and try again") from None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(db_path, "collection.anki2")
        z.writestr("media", "{}")


def write_csv(cards: list[Card], path: Path) -> None:
    """question, answer, citation, section, kind: one row per card, after Anki's import header lines.

    The header lines tell Anki's text import (File > Import) the separator (citations hold ":", which it would
    otherwise guess), that fields are plain text, and the column names; other programs see the names in the third
    line.
    """
    check_target(path)
    with _replacing(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("#separator:comma\n#html:false\n")
        writer = csv.writer(fh)
        fh.write("#columns:")
        writer.writerow(CSV_COLUMNS)
        writer.writerows((c.question, c.answer, c.citation, c.section(), c.kind) for c in cards)


def for_export(made: list[Card], marks: dict) -> tuple[list[Card], set[str]]:
    """What goes out of the student's cards (their edits already applied): the cards not suspended, and the ids of
    the flagged ones (tagged "marked" in Anki)."""
    kept = [c for c in made if not (c.id in marks and marks[c.id].suspended)]
    return kept, {cid for cid, mark in marks.items() if mark.flagged}


def deck_name(notes: Path) -> str:
    return f"study::{Path(notes).resolve().name or 'notes'}"


def student_deck(study, folder: Path) -> Path:
    """The student's cards as an Anki deck file in ``folder``, as `study cards --anki` writes them."""
    from .cards import generate
    from .store import ReviewStore, store_path

    path = store_path(study.home)
    marks = ReviewStore(path).notes() if path.exists() else {}
    made = [marks[c.id].apply(c) if c.id in marks else c for c in generate(study.searcher().chunks)]
    kept, flagged = for_export(made, marks)
    target = Path(folder) / f"{deck_name(study.notes).replace('::', '-')}.apkg"
    write_apkg(kept, target, deck_name(study.notes), flagged)
    return target
