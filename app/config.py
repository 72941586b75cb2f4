"""Which settings apply, read once: options, then environment, then defaults.

The CLI builds one ``Settings`` per command and hands it to ``Study``, which passes each value to the part that
uses it; nothing below reads the environment. Imported only when a command runs (it pulls in the answer
module, whose abstention thresholds are settings too), so `study --help` stays instant.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from index.ann import ANN_THRESHOLD
from index.steps import STEP_SECONDS
from index.embed import DEFAULT_MODEL, QUERY_ENCODERS, model_spec

from .answer import Abstention

DEFAULT_MAX_NOTE_MB = 50.0


@dataclass(frozen=True)
class Settings:
    home: Path  # the data folder: index, review progress, ONNX export, server.json
    notes: Path = Path("notes")  # the folder indexed by default
    model: str = DEFAULT_MODEL  # sentence-transformers name or path, or hash:N
    mode: str = "hybrid"  # hybrid, dense or lexical retrieval
    abstention: Abstention = Abstention()
    max_note_mb: float = DEFAULT_MAX_NOTE_MB  # largest note accepted (0: no limit)
    query_encoder: str = "onnx"  # "torch": encode questions with the model instead of its ONNX export
    onnx_threads: int = 1  # one short question: one thread is fastest
    ann_threshold: int = ANN_THRESHOLD  # above this many passages the vector index is IVF
    step_seconds: float = STEP_SECONDS  # while a long ingest embeds, what is done goes live this often

    @property
    def max_note_bytes(self) -> int | None:
        return int(self.max_note_mb * 2**20) if self.max_note_mb else None

    @classmethod
    def from_env(cls, home: str | Path | None = None, model: str | None = None, mode: str = "hybrid",
                 environ: Mapping[str, str] | None = None) -> "Settings":
        """Options as given, the rest from the environment. A bad value raises ValueError naming the variable."""
        env = os.environ if environ is None else environ
        encoder = env.get("STUDY_QUERY_ENCODER") or "onnx"
        if encoder not in QUERY_ENCODERS:
            raise ValueError(f"STUDY_QUERY_ENCODER={encoder!r} is not one of {', '.join(QUERY_ENCODERS)}")
        return cls(
            home=Path(home or env.get("STUDY_HOME") or ".study"),
            notes=Path(env.get("STUDY_NOTES") or "notes"),
            model=model_spec(model or env.get("STUDY_MODEL")),
            mode=mode,
            abstention=Abstention.from_env(env),
            max_note_mb=_number(env, "STUDY_MAX_NOTE_MB", DEFAULT_MAX_NOTE_MB, float,
                                "a number of megabytes; set it like 50 or 0 for no limit"),
            query_encoder=encoder,
            onnx_threads=_number(env, "STUDY_ONNX_THREADS", 1, int, "a number of threads, like 1"),
            ann_threshold=_number(env, "STUDY_ANN_THRESHOLD", ANN_THRESHOLD, int, "a number of passages, like 200000"),
            step_seconds=_number(env, "STUDY_STEP_SECONDS", STEP_SECONDS, float, "a number of seconds, like 30"),
        )


def _number(env: Mapping[str, str], name: str, default, kind, what: str):
    value = env.get(name)
    try:
        return kind(value) if value else default
    except ValueError:
        raise ValueError(f"{name}={value!r} is not {what}") from None


def debug(argv: list[str], environ: Mapping[str, str] | None = None) -> bool:
    """Whether to show the full traceback of an unexpected error: --debug, or $STUDY_DEBUG."""
    return "--debug" in argv or bool((os.environ if environ is None else environ).get("STUDY_DEBUG"))
