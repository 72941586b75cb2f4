"""Embedding, storing and searching passages."""
from .build import BuildReport, NothingToIndex, build
from .embed import DEFAULT_MODEL, Embedder, HashEmbedder, ModelError, load_embedder, model_spec
from .search import Hit, Searcher
from .store import IndexDamaged, IndexMismatch, IndexMissing, IndexWriteError, StoredIndex, current_folder, load

__all__ = [
    "DEFAULT_MODEL", "BuildReport", "Embedder", "HashEmbedder", "Hit", "IndexDamaged", "IndexMismatch", "IndexMissing",
    "IndexWriteError", "ModelError", "NothingToIndex", "Searcher", "StoredIndex", "build", "current_folder", "load",
    "load_embedder", "model_spec",
]
