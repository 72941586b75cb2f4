"""`python -m index.prepare HOME MODEL`: make the model's ONNX export in a process of its own. A first ingest
starts it beside its reading (index.embed.IngestEncoder.export_early); its exit status says whether the export is
there now. It reports nothing: a model that cannot be exported, or a folder that cannot take the export, is the
ingest's to handle (it then embeds with the model itself)."""
from __future__ import annotations

import sys
from pathlib import Path

from . import onnx
from .embed import exportable, export_query_encoder, load_embedder


def prepare(home: Path, name: str) -> bool:
    """Make the export of model ``name`` in ``home`` unless it is there; whether there is one now."""
    embedder = load_embedder(name, lazy=True)
    if not exportable(embedder):
        return False
    if not onnx.ready(home, embedder.name):
        export_query_encoder(home, embedder, load=True)
    return onnx.ready(home, embedder.name)


if __name__ == "__main__":
    sys.exit(0 if prepare(Path(sys.argv[1]), sys.argv[2]) else 1)
