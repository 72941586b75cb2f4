"""Embedding, storing and searching passages."""
from .build import BuildReport, build
from .embed import DEFAULT_MODEL, Embedder, HashEmbedder, ModelError, load_embedder, model_spec, query_embedder
from .errors import IndexDamaged, IndexMismatch, IndexMissing, IndexWriteError, NothingToIndex
from .search import Hit, Searcher
from .store import StoredIndex, current_folder, load

__all__ = [
    "DEFAULT_MODEL", "BuildReport", "Embedder", "HashEmbedder", "Hit", "IndexDamaged", "IndexMismatch", "IndexMissing",
    "IndexWriteError", "ModelError", "NothingToIndex", "Searcher", "StoredIndex", "build", "current_folder", "load",
    "load_embedder", "model_spec", "query_embedder",
]
