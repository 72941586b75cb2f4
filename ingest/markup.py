"""reStructuredText and Org files: their heading syntax recognised, then read as Markdown, cited by line.

Each line is rewritten in place into its Markdown equivalent (a title becomes '# Title', adornment and
directive lines become blank, source blocks become fences), never adding or removing a line, so every
passage still cites the file's own line numbers.
"""
from __future__ import annotations

import re
from pathlib import Path

from .markdown import chunk_markdown
from .records import Chunk
from .textfile import read_lines

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")  # a line of one repeated punctuation character
_DIRECTIVE = re.compile(r"^\.\.\s+(?:(?P<name>[\w-]+)::\s*(?P<arg>.*)|.*)$")  # '.. code:: bash', '.. comment'
_CODE_DIRECTIVES = {"code", "code-block", "sourcecode"}


def chunk_rst(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    lines, warning = read_lines(path, source)
    return chunk_markdown(rst_as_markdown(lines), source), [warning] if warning else []


def chunk_org(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    lines, warning = read_lines(path, source)
    return chunk_markdown(org_as_markdown(lines), source), [warning] if warning else []


def rst_as_markdown(lines: list[str]) -> list[str]:
    """Section titles (underlined, or over- and underlined) get levels in the order their styles first appear."""
    out = list(lines)
    styles: list[tuple[str, bool]] = []
    fence_indent: int | None = None  # inside a code directive: its body is indented deeper than this

    def level(style: tuple[str, bool]) -> int:
        if style not in styles:
            styles.append(style)
        return min(styles.index(style) + 1, 6)

    i = 0
    while i < len(lines):
        line = lines[i]
        if fence_indent is not None:
            if line.strip() and _indent(line) <= fence_indent:
                out[i - 1] = "```" if not lines[i - 1].strip() else out[i - 1]
                fence_indent = None
            else:
                i += 1
                continue
        title = _title_at(lines, i)
        if title:
            start, text, end, style = title
            for n in range(start, end + 1):
                out[n] = ""
            out[start + 1 if style[1] else start] = "#" * level(style) + " " + text
            i = end + 1
            continue
        directive = _DIRECTIVE.match(line.strip()) if line.lstrip().startswith("..") else None
        if directive:
            if directive.group("name") in _CODE_DIRECTIVES:
                out[i] = "```" + (directive.group("arg") or "").strip()
                fence_indent = _indent(line)
            else:
                out[i] = ""  # a comment, target or other directive: markup, not words
        i += 1
    if fence_indent is not None:
        out.append("```")  # the closing fence after the last line adds no line anyone cites
    return out


def _title_at(lines: list[str], i: int) -> tuple[int, str, int, tuple[str, bool]] | None:
    """(first line, title, last line, (character, overlined)) when a section title starts at line i."""
    line = lines[i]
    over = _ADORNMENT.match(line)
    if over and i + 2 < len(lines) and lines[i + 1].strip() and _ADORNMENT.match(lines[i + 2]) \
            and lines[i + 2].strip()[0] == over.group(1):
        return i, lines[i + 1].strip(), i + 2, (over.group(1), True)
    if line.strip() and not line[0].isspace() and not over and i + 1 < len(lines):
        under = _ADORNMENT.match(lines[i + 1])
        if under and len(lines[i + 1].strip()) >= min(len(line.strip()), 3) and (i == 0 or not lines[i - 1].strip()):
            return i, line.strip(), i + 1, (under.group(1), False)
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


_ORG_HEADING = re.compile(r"^(\*+)\s+(?:(?:TODO|DONE)\s+)?(?:\[#[A-Z]\]\s+)?(.*?)(?:\s+:[\w@#%:]+:)?\s*$")
_ORG_KEYWORD = re.compile(r"^\s*#\+(\w+):?\s*(.*)$")
_ORG_BLOCK = re.compile(r"^\s*#\+(BEGIN|END)_(\w+)\s*(\S*)", re.I)
_ORG_LINK = re.compile(r"\[\[([^\]]+)\](?:\[([^\]]+)\])?\]")
_ORG_VERBATIM = re.compile(r"(?<![\w~=])([~=])(\S(?:.*?\S)?)\1(?![\w~=])")


def org_as_markdown(lines: list[str]) -> list[str]:
    """'* Heading' levels, #+TITLE as the top heading, #+BEGIN_SRC blocks as fences, links by their words."""
    titled = any((m := _ORG_KEYWORD.match(line)) and m.group(1).upper() == "TITLE" for line in lines)
    out: list[str] = []
    in_block = False
    for line in lines:
        block = _ORG_BLOCK.match(line)
        if block:
            opening = block.group(1).upper() == "BEGIN"
            in_block = opening
            lang = block.group(3) if opening and block.group(2).upper() == "SRC" else ""
            out.append("```" + lang if opening else "```")
            continue
        if in_block:
            out.append(line)
            continue
        heading = _ORG_HEADING.match(line)
        keyword = _ORG_KEYWORD.match(line)
        if heading:
            out.append("#" * min(len(heading.group(1)) + titled, 6) + " " + heading.group(2))
        elif keyword:
            out.append("# " + keyword.group(2) if keyword.group(1).upper() == "TITLE" else "")
        elif line.lstrip().startswith("# "):
            out.append("")  # an Org comment
        else:
            # the target in angle brackets: a file name with spaces is still one destination
            line = _ORG_LINK.sub(lambda m: f"[{m.group(2) or m.group(1)}](<{m.group(1)}>)", line)
            out.append(_ORG_VERBATIM.sub(lambda m: f"`{m.group(2)}`", line))
    return out
