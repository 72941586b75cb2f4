"""What every `study` command shares: the settings and the Study they open, progress bars, one-line errors.

Light on purpose (click only at import): `study --help` loads this and nothing heavy.
"""
from __future__ import annotations

import functools
import sys

import click


class Progress:
    """Ingest progress on stderr: tqdm bars on a terminal, else one JSON line per step
    (``{"file", "done", "total", "unit"}``), so a script reading stdout gets only the result."""

    def __init__(self, enabled: bool = True, bars: bool | None = None):
        self.enabled = enabled
        self.bars_on = sys.stderr.isatty() if bars is None else bars
        self.bars: dict = {}

    def __call__(self, stage: str, done: int, total: int, file: str | None = None) -> None:
        if not self.enabled:
            return
        unit = "file" if stage == "read" else "text"
        if not self.bars_on:
            import json

            sys.stderr.write(json.dumps({"file": file, "done": done, "total": total, "unit": unit}) + "\n")
            sys.stderr.flush()
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc="Reading notes" if stage == "read" else "Embedding", unit=unit,
                                          file=sys.stderr, leave=False, dynamic_ncols=True)
        if file and stage == "embed":
            bar.set_postfix_str(file, refresh=False)  # which note the texts come from
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def settings(ctx: click.Context):
    """The settings of this command, read once from its options and the environment (a bad value: exit 2)."""
    from .config import Settings

    if "study.settings" not in ctx.meta:
        try:
            ctx.meta["study.settings"] = Settings.from_env(**ctx.find_root().obj)
        except ValueError as e:
            fail(str(e), 2)
    return ctx.meta["study.settings"]


def open_study(ctx: click.Context):
    from .service import Study

    return Study(settings(ctx))


def library_errors(fn):
    """Turn the library's typed errors into one clear line and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from index import IndexMismatch, IndexMissing, IndexWriteError, ModelError, NothingToIndex

        try:
            return fn(*args, **kwargs)
        except (IndexMismatch, IndexMissing, IndexWriteError, ModelError, NothingToIndex) as e:
            fail(str(e))

    return wrapper
