"""Terminal rendering of review cards and feedback."""
from __future__ import annotations

import click

from .render import file_lines

MARKS = {1: ("✗", "red"), 2: ("~", "yellow"), 3: ("✓", "green"), 4: ("✓", "green")}


def show_card(card, number: int, total: int) -> None:
    click.echo()
    click.secho(f"Card {number}/{total} · {card.kind} · {card.section()}", dim=True)
    click.secho(f"  {card.question}", bold=True)


def show_feedback(feedback, study, next_in: str) -> None:
    card, g = feedback.card, feedback.grade
    mark, color = MARKS[g.rating]
    click.secho(f"{mark} {g.name}: {g.reason}.", fg=color, bold=True)
    click.echo(f"  Answer: {card.answer}")
    heading = f" — {card.heading}" if card.heading else ""
    click.secho(f"  {card.citation}{heading}", dim=True)
    files = study.searcher().index.files
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
