"""Reading notes (Markdown, text, PDF) into citable passages."""
from .files import CHUNKER_VERSION, SUPPORTED, FileResult, NoteFile, discover, load
from .records import Chunk, IngestError, citation, normalize
from .sentences import cut_between, sentence_context, split_sentences

__all__ = ["CHUNKER_VERSION", "SUPPORTED", "Chunk", "FileResult", "citation", "IngestError", "NoteFile", "discover", "load", "normalize", "cut_between", "sentence_context", "split_sentences"]
