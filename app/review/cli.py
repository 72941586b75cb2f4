"""`study cards` and `study review`: the terminal side of review mode (registered on the group by app.cli)."""
from __future__ import annotations

import functools
import json

import click

from ..console import Progress, fail, library_errors, open_study, settings

SECTION_HELP = "Only cards whose heading path contains this text (a heading of your notes)."


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


def _check_reviews(study) -> None:
    """`study cards` does not review, but a damaged review.sqlite is found (and recovered) here too."""
    from .store import ReviewStore, ReviewStoreError, store_path

    path = store_path(study.home)
    if not path.exists():
        return
    try:
        _warn_recovered(ReviewStore(path))
    except ReviewStoreError as e:  # listing cards does not need it
        click.echo(f"warning: {e}", err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per card.")
@click.option("--section", help=SECTION_HELP)
@click.pass_context
@library_errors
def cards(ctx, as_json, section):
    """List the review cards generated from your notes (cloze, definition, recall)."""
    from collections import Counter

    from .cards import generate

    study = open_study(ctx)
    _check_reviews(study)
    made = generate(study.searcher(on_progress=Progress(enabled=not as_json)).chunks, section=section)
    if as_json:
        for card in made:
            click.echo(json.dumps(card.to_json(), ensure_ascii=False))
        return
    for card in made:
        click.echo(f"[{card.kind}] {card.question}\n    -> {card.answer}   ({card.citation})")
    counts = Counter(c.kind for c in made)
    click.echo(f"{len(made)} cards: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))


@click.command()
@click.option("--section", help=SECTION_HELP)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Cards in this session.")
@click.pass_context
@library_errors
@_review_errors
def review(ctx, section, limit):
    """Quiz yourself: answer each card, get graded against your notes, and let FSRS schedule it.

    An empty answer counts as "I don't know"; q quits.
    """
    from .session import ReviewSession, when

    study = open_study(ctx)
    session = ReviewSession(study, section=section)
    shown = _warn_recovered(session.store)
    done = 0
    while done < limit:
        card = session.next()
        if card is None:
            click.echo("Nothing due" + (f" in sections matching {section!r}" if section else "") + ". Come back later.")
            break
        _show_card(card, done + 1, limit)
        try:
            reply = click.prompt("Your answer", default="", show_default=False, prompt_suffix=" > ")
        except click.Abort:
            click.echo()
            break
        if reply.strip().lower() in {"q", "quit", ":q"}:
            break
        feedback = session.answer(card, reply)
        _show_feedback(feedback, study.searcher().index.files, when(feedback.due))
        done += 1
    stats = session.store.stats()
    _warn_recovered(session.store, shown)  # damage found mid-session
    click.echo(f"\nReviewed {done} card(s). Due today: {stats['due_today']}, new: {stats['new']}, reviews so far: {stats['reviewed']}.")


def _show_card(card, number: int, total: int) -> None:
    click.echo()
    click.secho(f"Card {number}/{total} · {card.kind} · {card.section()}", dim=True)
    click.secho(f"  {card.question}", bold=True)


def _show_feedback(feedback, files: dict[str, dict], next_in: str) -> None:
    """The grade, the answer, and the cited lines of the note with the answer underlined."""
    from ..render import file_lines

    card, g = feedback.card, feedback.grade
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
    click.secho(f"  Next review {next_in}.", dim=True)
