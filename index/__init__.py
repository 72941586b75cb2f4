"""Embedding, storing and searching passages."""
from .build import BuildReport, NothingToIndex, build
from .embed import DEFAULT_MODEL, Embedder, HashEmbedder, ModelError, load_embedder, model_spec
from .search import Hit, Searcher
from .store import IndexMismatch, IndexMissing, StoredIndex, current_folder, load

__all__ = [
    "DEFAULT_MODEL", "BuildReport", "Embedder", "HashEmbedder", "Hit", "IndexMismatch", "IndexMissing",
    "ModelError", "NothingToIndex", "Searcher", "StoredIndex", "build", "current_folder", "load",
    "load_embedder", "model_spec",
]
