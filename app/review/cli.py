"""`study cards` and `study review`: the terminal side of review mode (registered on the group by app.cli)."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from ..console import Progress, fail, library_errors, open_study, settings

SECTION_HELP = ("Only cards whose heading path contains this text, in any case (a heading of your notes; for a file "
                "without headings, its file name).")
_QUIT = {"q", "quit", ":q"}


def _review_errors(fn):
    """Trouble with review.sqlite (locked too long, disk full, read-only) ends in one line and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from .store import ReviewStoreError, explain, store_path

        try:
            return fn(*args, **kwargs)
        except ReviewStoreError as e:
            fail(str(e))
        except sqlite3.Error as e:  # one the store did not wrap: still one line naming the file
            fail(explain(store_path(settings(click.get_current_context()).home), e))

    return wrapper


def _warn_recovered(store, shown: str | None = None) -> str | None:
    """Say once that a damaged review.sqlite was moved aside (and how much was recovered); return what was said."""
    if store.recovered and store.recovered != shown:
        click.echo(f"warning: {store.recovered}", err=True)
    return store.recovered


def _review_marks(study) -> dict:
    """The student's marks on cards (suspended, flagged, reworded) by card id, if there is a review.sqlite.

    `study cards` does not review, but a damaged review.sqlite is found (and recovered) here too.
    """
    from .store import ReviewStore, ReviewStoreError, store_path

    path = store_path(study.home)
    if not path.exists():
        return {}
    try:
        store = ReviewStore(path)
        _warn_recovered(store)
        return store.notes()
    except ReviewStoreError as e:  # listing cards does not need it
        click.echo(f"warning: {e}", err=True)
        return {}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per card.")
@click.option("--section", help=SECTION_HELP)
@click.option("--anki", "anki_file", metavar="FILE.apkg", help="Write the cards as an Anki deck (File > Import in Anki). "
              "Importing a newer export updates the notes already imported.")
@click.option("--csv", "csv_file", metavar="FILE.csv", help="Write question,answer,citation,section,kind, one row per card, "
              "with the header lines Anki's text import reads.")
@click.pass_context
@library_errors
def cards(ctx, as_json, section, anki_file, csv_file):
    """List the review cards generated from your notes (cloze, definition, recall), or export them.

    Cards you reworded in `study review` are listed and exported as you worded them; suspended ones are marked
    in the list and left out of exports. In the Anki deck every card is a plain question / answer note (a cloze
    keeps its ___ blank), tagged with its heading path (Section::Subsection) and kind, and "marked" if you flagged it.
    """
    from collections import Counter

    from .cards import generate
    from .export import ExportError, check_target

    try:  # before the notes are read: a wrong path is told at once
        for target, suffix in ((anki_file, ".apkg"), (csv_file, None)):
            if target:
                check_target(Path(target), suffix)
    except ExportError as e:
        fail(str(e))
    study = open_study(ctx)
    marks = _review_marks(study)
    made = generate(study.searcher(on_progress=Progress(enabled=not as_json)).chunks, section=section)
    if section and not made:  # a typo must not pass for "no cards", nor write an empty deck
        fail(f"no cards under a heading or in a file whose name contains {section!r}; see the sections with `study cards`, or leave --section out")
    made = [marks[c.id].apply(c) if c.id in marks else c for c in made]
    if anki_file or csv_file:
        _export(study, made, marks, anki_file, csv_file)
        return
    if as_json:
        for card in made:
            click.echo(json.dumps(card.to_json(), ensure_ascii=False))
        return
    for card in made:
        mark = marks.get(card.id)
        flags = "".join(f" [{word}]" for word, on in (("suspended", mark and mark.suspended), ("flagged", mark and mark.flagged)) if on)
        click.echo(f"[{card.kind}]{flags} {card.question}\n    -> {card.answer}   ({card.citation})")
    counts = Counter(c.kind for c in made)
    click.echo(f"{len(made)} cards: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))


def _export(study, made: list, marks: dict, anki_file: str | None, csv_file: str | None) -> None:
    from .export import ExportError, deck_name, for_export, write_apkg, write_csv

    kept, flagged = for_export(made, marks)
    deck = deck_name(study.notes)
    try:
        if anki_file:
            write_apkg(kept, Path(anki_file), deck, flagged)
            click.echo(f"Wrote {len(kept)} cards to {anki_file} (Anki deck {deck}; open it with File > Import in Anki).")
        if csv_file:
            write_csv(kept, Path(csv_file))
            click.echo(f"Wrote {len(kept)} cards to {csv_file}.")
    except ExportError as e:
        fail(str(e))
    if len(kept) < len(made):
        click.echo(f"Left out {len(made) - len(kept)} suspended card(s).")


@click.command()
@click.option("--section", help=SECTION_HELP)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Cards in this session.")
@click.option("--stats", is_flag=True, help="Print your progress (due, new, learned, suspended, flagged; retention per "
              "section; the coming week) and stop.")
@click.option("--unsuspend", metavar="CARD_ID|all", help="Bring back a suspended card (its id is printed when you "
              "suspend it), or all of them, and stop.")
@click.pass_context
@library_errors
@_review_errors
def review(ctx, section, limit, stats, unsuspend):
    """Quiz yourself: answer each card, see what your notes say, rate it, and let FSRS schedule it.

    \b
    For each card, type your answer and press Enter: it is graded against your notes
    and a rating is suggested. Or press Enter alone to show the answer.
    Then one key:
      1 again   2 hard   3 good   4 easy   (each shown with when the card comes back)
      Enter     the suggested rating; after "show answer", good (as Anki's space bar)
      s         suspend: never ask this card again
      f         flag it (or unflag it) for a look later; then rate it
      e         edit its question and answer; then rate it
      q         quit (the card is not rated)

    When input comes from a pipe or a file instead of a terminal, whole lines are read
    instead of key presses. There, a line after an answer that is none of the keys
    above is the next card's answer (the suggestion is taken for the card before),
    and the end of the input takes the suggestion (good after "show answer").
    """
    from .session import ReviewSession

    study = open_study(ctx)
    if unsuspend:
        return _unsuspend(study, unsuspend)
    session = ReviewSession(study, section=section)
    shown = _warn_recovered(session.store)
    store = session.store
    if section and not store.matching_sections(section):
        names = ", ".join(name for name, _ in store.sections()) or "none (no cards yet)"
        fail(f"no section matches {section!r}; sections: {names}. Give part of one of them, or leave --section out.")
    if stats:
        return _print_stats(store, section)
    done = _quiz(session, limit, section, _Input(), study.searcher().index.files)
    counts = store.stats()
    _warn_recovered(store, shown)  # damage found mid-session
    click.echo(f"\nReviewed {done} card(s). Due today: {counts['due_today']}, new: {counts['new']}, "
               f"reviews so far: {counts['reviewed']}.")


@click.command("grade")
@click.argument("card_id")
@click.argument("reply")
@click.option("--json", "as_json", is_flag=True, help='Print {"card", "grade", "why"} as one JSON object.')
@click.pass_context
@library_errors
@_review_errors
def grade_command(ctx, card_id, reply, as_json):
    """Grade REPLY to card CARD_ID as a review would (again, hard, good or easy, and why), without touching the
    schedule: nothing is recorded. Card ids: `study cards --json`."""
    from .grading import MARKS
    from .session import grade_reply

    study = open_study(ctx)
    found = grade_reply(study, card_id.strip(), reply)
    if found is None:
        fail(f"no card {card_id.strip()!r} in your notes; list the ids with `study cards --json`")
    card, g = found
    if as_json:
        click.echo(json.dumps({"card": card.id, "grade": g.name, "why": g.reason}, ensure_ascii=False))
    else:
        click.echo(f"{MARKS[g.rating][0]} {g.name}: {g.reason}\n    your notes: {card.answer}   ({card.citation})")


def _unsuspend(study, which: str) -> None:
    from .store import ReviewStore, UnknownCard, store_path

    store = ReviewStore(store_path(study.home))
    if which.strip().lower() == "all":
        click.echo(f"Brought back {store.unsuspend_all()} suspended card(s).")
        return
    try:
        store.unsuspend(which.strip())
    except UnknownCard as e:
        fail(str(e))
    click.echo(f"Card {which.strip()} will be asked again.")


def _print_stats(store, section: str | None) -> None:
    s = store.stats()
    click.echo(f"Cards: {s['cards']} · due today: {s['due_today']} · new: {s['new']} · learned: {s['learned']} · "
               f"learning: {s.get('learning', 0)} · suspended: {s['suspended']} · flagged: {s['flagged']} · "
               f"reviews done: {s['reviewed']}")
    wanted = set(store.matching_sections(section)) if section else None
    rows = [r for r in s["sections"] if wanted is None or r["section"] in wanted]
    if rows:
        width = max(len("section"), *(len(r["section"] or "(no heading)") for r in rows))
        click.echo(f"\n{'section':<{width}}  cards  reviews  retention")
        for r in rows:
            retention = f"{r['retention']:.0%}" if r["retention"] is not None else "-"
            click.echo(f"{r['section'] or '(no heading)':<{width}}  {r['cards']:>5}  {r['reviews']:>7}  {retention:>9}")
    forecast, history = store.due_forecast(7), store.reviews_per_day(7)
    today = forecast[0][0]

    def days(counts) -> str:
        return ", ".join(f"{'today' if day == today else format(day, '%a')} {n}" for day, n in counts)

    click.echo(f"\nDue in the coming week: {days(forecast)}\nReviews in the last week: {days(history)}")


class _Input:
    """Key presses from a terminal; whole lines from a pipe or file (scripts, tests), with one line kept back."""

    def __init__(self):
        self.keys = sys.stdin.isatty()
        self.kept: str | None = None

    def line(self, prompt: str) -> str | None:
        """A typed line; None at the end of the input (or Ctrl-C / Ctrl-D at a terminal)."""
        if self.kept is not None:
            line, self.kept = self.kept, None
            click.echo(f"{prompt} > {line}")
            return line
        if self.keys:
            try:
                return click.prompt(prompt, default="", show_default=False, prompt_suffix=" > ")
            except click.Abort:
                click.echo()
                return None
        click.echo(f"{prompt} > ", nl=False)
        got = sys.stdin.readline()
        if not got:
            click.echo()
            return None
        click.echo(got.rstrip("\r\n"))
        return got.rstrip("\r\n")

    def key(self, prompt: str) -> str | None:
        """One key press ("" for Enter) at a terminal, where Ctrl-C / Ctrl-D quit; a whole line from a pipe, None
        at its end."""
        if not self.keys:
            return self.line(prompt)
        click.echo(f"{prompt} > ", nl=False)
        try:
            ch = click.getchar()
        except (KeyboardInterrupt, EOFError):
            ch = "q"
        ch = "" if ch in ("\r", "\n") else ch
        click.echo(ch)
        return ch

    def keep(self, line: str) -> None:
        self.kept = line


def _quiz(session, limit: int, section: str | None, inp: _Input, files: dict) -> int:
    """Ask up to ``limit`` cards; return how many were rated."""
    rated = 0
    for number in range(1, limit + 1):
        card = session.next()
        if card is None:
            click.echo("Nothing due" + (f" in sections matching {section!r}" if section else "") + ". Come back later.")
            break
        _show_card(card, number, limit)
        reply = inp.line("Your answer (Enter alone: show the answer)")
        if reply is None or reply.strip().lower() in _QUIT:
            break
        feedback = session.answer(card, reply, record=False) if reply.strip() else session.reveal(card)
        _show_feedback(feedback, files)
        outcome = _rate(session, feedback, inp, files)
        rated += outcome in ("rated", "end")
        if outcome in ("quit", "end"):
            break
    return rated


def _rate(session, feedback, inp: _Input, files: dict) -> str:
    """Wait for the student's rating (or suspend / flag / edit / quit); return "rated", "suspended", "quit", or
    "end" (rated with the default because the input ended)."""
    from .grading import RATING_NAMES

    store, card = session.store, feedback.card
    default = feedback.preselected
    why = "suggested" if feedback.grade else "answer shown"
    while True:
        click.echo("  " + "  ".join(click.style(f"[{r} {RATING_NAMES[r]} ({feedback.intervals[r]})]", bold=True) if r == default
                                    else f"{r} {RATING_NAMES[r]} ({feedback.intervals[r]})" for r in (1, 2, 3, 4)))
        got = inp.key(f"Rate 1-4 (Enter: {RATING_NAMES[default]}, {why}) · s suspend · f flag · e edit · q quit")
        key = None if got is None else got.strip().lower()
        if key in ("s", "f", "e", "q"):
            if key == "q":
                return "quit"
            if key == "s":
                store.suspend(card)
                click.echo(f"Suspended: it will not be asked again (`study review --unsuspend {card.id}` brings it back).")
                return "suspended"
            if key == "f":
                flagged = not store.note(card).flagged
                (store.flag if flagged else store.unflag)(card)
                click.echo("Flagged: `study review --stats` counts it." if flagged else "Flag removed.")
            if key == "e":
                card = feedback.card = _edit(store, card, inp)
            continue
        if key in ("1", "2", "3", "4"):
            rating = int(key)
        elif key in ("", None):
            rating = default
        elif not inp.keys:  # a pipe: a line that is no key is the next card's answer
            inp.keep(got)
            rating = default
        else:
            click.echo("Press 1, 2, 3 or 4, Enter, s, f, e or q.")
            continue
        done = session.rate(card, rating, feedback.answer, suggested=feedback.grade)
        click.secho(f"  Rated {RATING_NAMES[rating]}. Next review {done.intervals[rating]}.", dim=True)
        return "end" if got is None else "rated"


def _edit(store, card, inp: _Input):
    """Ask for a new question and answer (Enter keeps each part); return the card as it now reads."""
    question = inp.line("New question (Enter keeps it)")
    answer = inp.line("New answer (Enter keeps it)") if question is not None else None
    if question is None or answer is None:
        return card
    edited = store.edit(card, question.strip() or card.question, answer.strip() or card.answer)
    click.echo(f"Saved. Q: {edited.question}\n       A: {edited.answer}")
    return edited


def _show_card(card, number: int, total: int) -> None:
    click.echo()
    click.secho(f"Card {number}/{total} · {card.kind} · {card.section()}", dim=True)
    click.secho(f"  {card.question}", bold=True)


def _show_feedback(feedback, files: dict[str, dict]) -> None:
    """The grade (when the reply was graded), the answer, and the cited lines of the note with the answer underlined."""
    from ..render import file_lines

    card, g = feedback.card, feedback.grade
    if g is not None:
        click.secho(f"{g.mark} {g.name}: {g.reason}.", fg=g.color, bold=True)
    click.echo(f"  Answer: {card.answer}")
    heading = f" — {card.heading}" if card.heading else ""
    click.secho(f"  {card.citation}{heading}", dim=True)
    path = files.get(card.source, {}).get("path")
    lines = file_lines(path) if path and card.start_line else None
    for n in range(card.start_line or 0, (card.end_line or 0) + 1):
        if not lines or n < 1 or n > len(lines):
            continue
        line = lines[n - 1]
        i = line.lower().find(card.answer.lower())
        if i >= 0:
            line = line[:i] + click.style(line[i:i + len(card.answer)], bold=True, underline=True) + line[i + len(card.answer):]
        click.echo(f"  {n:>5} │ {line}")
