"""`study cards` and `study review`: the terminal side of review mode."""
from __future__ import annotations

import json

import click

from .cli import Progress, _library_errors, _study, cli


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
def review(ctx, section, limit):
    """Quiz yourself: answer each card, get graded against your notes, and let FSRS schedule it.

    An empty answer counts as "I don't know"; q quits.
    """
    from .review import ReviewSession, when
    from .terminal import show_card, show_feedback

    study = _study(ctx)
    session = ReviewSession(study, section=section)
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
    click.echo(f"\nReviewed {done} card(s). Due today: {stats['due_today']}, new: {stats['new']}, reviews so far: {stats['reviewed']}.")
