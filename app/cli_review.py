"""`study cards` and `study review`: the terminal side of review mode."""
from __future__ import annotations

import functools
import json

import click

from .cli import Progress, _fail, _library_errors, _study, cli


def _review_errors(fn):
    """Trouble with review.sqlite (locked too long, disk full, read-only) ends in one line and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from . import config
        from .review import ReviewStoreError, explain

        try:
            return fn(*args, **kwargs)
        except ReviewStoreError as e:
            _fail(str(e))
        except sqlite3.Error as e:  # one the store did not wrap: still one line naming the file
            _fail(explain(config.home(click.get_current_context().obj["home"]) / "review.sqlite", e))

    return wrapper


def _warn_recovered(store, shown: str | None = None) -> str | None:
    """Say once that a damaged review.sqlite was moved aside (and how much was recovered); return what was said."""
    if store.recovered and store.recovered != shown:
        click.echo(f"warning: {store.recovered}", err=True)
    return store.recovered


def _check_reviews(study) -> None:
    """`study cards` does not review, but a damaged review.sqlite is found (and recovered) here too."""
    from .review import ReviewStore, ReviewStoreError

    path = study.home / "review.sqlite"
    if not path.exists():
        return
    try:
        _warn_recovered(ReviewStore(path))
    except ReviewStoreError as e:  # listing cards does not need it
        click.echo(f"warning: {e}", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per card.")
@click.option("--section", help="Only cards whose heading path contains this text (e.g. Lambda).")
@click.pass_context
@_library_errors
def cards(ctx, as_json, section):
    """List the review cards generated from your notes (cloze, definition, recall)."""
    from collections import Counter

    from .cards import generate

    study = _study(ctx)
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


@cli.command()
@click.option("--section", help="Only cards whose heading path contains this text (e.g. Lambda).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Cards in this session.")
@click.pass_context
@_library_errors
@_review_errors
def review(ctx, section, limit):
    """Quiz yourself: answer each card, get graded against your notes, and let FSRS schedule it.

    An empty answer counts as "I don't know"; q quits.
    """
    from .review import ReviewSession, when
    from .terminal import show_card, show_feedback

    study = _study(ctx)
    session = ReviewSession(study, section=section)
    shown = _warn_recovered(session.store)
    done = 0
    while done < limit:
        card = session.next()
        if card is None:
            click.echo("Nothing due" + (f" in sections matching {section!r}" if section else "") + ". Come back later.")
            break
        show_card(card, done + 1, limit)
        try:
            reply = click.prompt("Your answer", default="", show_default=False, prompt_suffix=" > ")
        except click.Abort:
            click.echo()
            break
        if reply.strip().lower() in {"q", "quit", ":q"}:
            break
        feedback = session.answer(card, reply)
        show_feedback(feedback, study, when(feedback.due))
        done += 1
    stats = session.store.stats()
    _warn_recovered(session.store, shown)  # damage found mid-session
    click.echo(f"\nReviewed {done} card(s). Due today: {stats['due_today']}, new: {stats['new']}, reviews so far: {stats['reviewed']}.")
