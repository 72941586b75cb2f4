"""Jupyter notebooks: Markdown cells read as Markdown, code cells as code passages, text outputs kept short.

A notebook is read as one Markdown document (code cells fenced), so headings in a Markdown cell head the
cells after it exactly as in a note; each passage then cites the cell(s) its lines came from, numbered
1-based among all cells.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from .markdown import chunk_markdown
from .records import Chunk, IngestError

OUTPUT_LINES = 8  # a cell's text output is kept to this many lines: enough to show a result, not a data dump
OUTPUT_CHARS = 600
FIX = "open it in Jupyter, save it again and ingest again"


def chunk_ipynb(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    try:
        notebook = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise IngestError(source, f"is not UTF-8 JSON, so not a Jupyter notebook; {FIX}") from None
    except json.JSONDecodeError as e:
        raise IngestError(source, f"is not a valid notebook (JSON error at line {e.lineno}: {e.msg}); {FIX}") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        # nbformat 3 kept cells under worksheets; older than anything Jupyter has written since 2015
        raise IngestError(source, f"has no cells (not a Jupyter notebook, or nbformat older than 4); {FIX}")
    language = _language(notebook)
    lines: list[str] = []
    cell_of: list[int] = []  # cell number of each document line
    for number, cell in enumerate(cells, start=1):
        for line in _cell_lines(cell, language):
            lines.append(line)
            cell_of.append(number)
        lines.append("")  # a cell ends a paragraph
        cell_of.append(number)
    chunks = chunk_markdown(lines, source)
    return [_by_cell(c, cell_of) for c in chunks], []


def _language(notebook: dict) -> str:
    meta = notebook.get("metadata") or {}
    info = meta.get("language_info") or {}
    kernel = meta.get("kernelspec") or {}
    name = info.get("name") or kernel.get("language") or ""
    return name.lower() if isinstance(name, str) and name.isalnum() else ""


def _text(value) -> str:
    """Notebook text fields are a string or a list of lines."""
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _cell_lines(cell, language: str) -> list[str]:
    if not isinstance(cell, dict):
        return []
    text = _text(cell.get("source")).replace("\r\n", "\n").replace("\r", "\n")
    kind = cell.get("cell_type")
    if kind == "markdown":
        return text.split("\n")
    if kind != "code" or not text.strip():
        return []  # raw cells are for converters, not for reading
    out = [f"```{language}", *text.split("\n"), "```"]
    shown = _output(cell.get("outputs"))
    if shown:
        out += ["", "```output", *shown, "```"]
    return out


def _output(outputs) -> list[str]:
    """The cell's text output (streams and plain-text results), cut to a few lines."""
    text = ""
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict):
            continue
        if output.get("output_type") == "stream":
            text += _text(output.get("text"))
        elif output.get("output_type") in ("execute_result", "display_data"):
            text += _text((output.get("data") or {}).get("text/plain")) + "\n"
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()][:OUTPUT_LINES]
    kept, size = [], 0
    for line in lines:
        if size + len(line) > OUTPUT_CHARS:
            break
        kept.append(line)
        size += len(line) + 1
    return kept


def _by_cell(chunk: Chunk, cell_of: list[int]) -> Chunk:
    """Cite the cells the passage's document lines came from (its heading's line is no line of the file)."""
    cells = tuple(cell_of[n - 1] for n in chunk.lines) or (cell_of[chunk.start_line - 1],)
    return replace(chunk, start_line=None, end_line=None, lines=cells, unit="cell", first=min(cells), last=max(cells),
                   heading_line=None)
