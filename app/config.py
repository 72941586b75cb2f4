"""Where data lives and which settings apply: options, then environment, then defaults."""
from __future__ import annotations

import os
from pathlib import Path


def home(option: str | Path | None = None) -> Path:
    """The data folder: ``--home``, else ``$STUDY_HOME``, else ``.study/`` in the working directory."""
    return Path(option or os.environ.get("STUDY_HOME") or ".study")


def notes_dir() -> Path:
    """The notes folder indexed by default: ``$STUDY_NOTES`` or ``notes/``."""
    return Path(os.environ.get("STUDY_NOTES") or "notes")


def abstain_threshold() -> float | None:
    value = os.environ.get("STUDY_ABSTAIN")
    return float(value) if value else None


def abstain_named_threshold() -> float | None:
    value = os.environ.get("STUDY_ABSTAIN_NAMED")
    return float(value) if value else None


DEFAULT_MAX_NOTE_MB = 50.0


def max_note_mb() -> float:
    """Largest note accepted from an upload or the watched folder (``$STUDY_MAX_NOTE_MB``, 0 = no limit)."""
    value = os.environ.get("STUDY_MAX_NOTE_MB")
    try:
        return float(value) if value else DEFAULT_MAX_NOTE_MB
    except ValueError:
        raise ValueError(f"STUDY_MAX_NOTE_MB={value!r} is not a number of megabytes; set it like 50 or 0 for no limit") from None
