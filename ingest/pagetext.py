"""Page text as a reader sees it: running headers, footers and page numbers out, line-end hyphens joined,
ligatures as letters, headings from bookmarks where their titles stand, and how much it reads like words.

A PDF's text layer is a page of wrapped lines. What repeats at the top or bottom of most pages (a book
title, a chapter name, "Page 12 of 300") is not content, and a word split at a line end ("flat-" /
"tened") is one word. Passages still cite the page.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running headers or footers
REPEAT_SHARE = 0.4  # a line shape on this share of pages (and at least MIN_REPEATS) is a running header/footer
MIN_REPEATS = 3
MIN_STRETCH = 5  # pages a line must top (or foot) to be a running header of a stretch of pages, not of them all
# A scanned book's header read by OCR differs by a letter here and there: a line this close to a running one (and
# this long, so a short line of text is not taken for one) is that header too.
FUZZY_RATIO, MIN_FUZZY = 0.9, 12
# "7", "Page 7 of 20", "vii", and with dashes around it: "— 4", "- 12 -"
_PAGE_NUMBER = re.compile(r"^\s*[-–—]*\s*(?:page\s*)?[\divxlc]{1,6}(?:\s*(?:of|/)\s*\d+)?\s*[-–—]*\s*$", re.I)
_HYPHEN_END = re.compile(r"([A-Za-zÀ-ÿ]{2,})-$")
_LOWER_START = re.compile(r"^([a-zà-ÿ]+[.,;:!?)\]]*)(.*)$")  # the word, with punctuation ending it
# Typesetters draw "fi", "ffi" ... as one glyph, and the text layer keeps it as one character that no search for
# "official" matches. Only these are mapped: NFKC of the whole text would also turn "²" into "2" and "½" into "1⁄2".
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})
MIN_TELLING = 4  # letters of a word that tells one text from another (word_forms)
_TOKEN_SPLIT = re.compile(r"[\s\u2013\u2014]+")  # spaces and en/em dashes ("one—by" is two words)
_NUMBER = re.compile(r"^[\d.,:/%+\-]+$")
_WORD_PARTS = re.compile(r"['\u2019-]")
_LEAD, _TRAIL = "(\"'\u201c\u2018[\u300c\u300e\uff08", ".,;:!?)\"'\u201d\u2019]\u3001\u3002\u300d\u300f\uff09\uff0c\uff0e\uff1a\uff1b\uff01\uff1f"


def word_share(lines: list[str]) -> tuple[float, int]:
    """How much a text reads like words, by shape alone: the share of its tokens that are words (letters only,
    lower case after an optional capital or all capitals, joined by apostrophes or hyphens; quotes and
    punctuation around them aside), and how many such words. Numbers count neither way. In a script written
    without spaces or case (Chinese, Japanese, Thai ...) a run of its letters is a word, and its punctuation
    ("。", "、") is no token.

    A garbled OCR layer ("«POAH «3E*»CM tanntxim.") scores lower than typed or well-read text (0.89 against
    0.99 for a well-read scan on the peer files), in any language; no dictionary is needed. Misread letters
    that still make a word ("knot" for "know") are not seen.
    """
    tokens = words = 0
    for _, word in _tokens(lines):
        tokens += 1
        words += word is not None
    return (words / tokens if tokens else 0.0), words


def word_forms(lines: list[str]) -> Counter[str]:
    """The words of a text that tell which text it is, case folded, to tell whether two readings say the same:
    words of word_share of MIN_TELLING letters or more ("the", "and" stand in any English page), and from a run
    of a script without spaces its pairs of letters, since two readings cut such a run alike less often."""
    forms: Counter[str] = Counter()
    for _, word in _tokens(lines):
        if word is None:
            continue
        if _unspaced(word[0]):
            forms.update(word[i:i + 2] for i in range(max(1, len(word) - 1)))
        elif len(word) >= MIN_TELLING:
            forms[word.casefold()] += 1
    return forms


def words_held(layer: list[str], read: list[str]) -> float:
    """The share of ``layer``'s telling words (word_forms) that ``read`` holds too: whether two readings of a page
    say the same text. 1.0 for a layer without such words (nothing to compare)."""
    wanted = word_forms(layer)
    total = sum(wanted.values())
    return sum((wanted & word_forms(read)).values()) / total if total else 1.0


def _tokens(lines: list[str]):
    """(token, the word it is or None) for each token that counts: numbers and bare punctuation do not."""
    for line in lines:
        for token in _TOKEN_SPLIT.split(line):
            parts = _parts(token)
            for part, unspaced in parts:
                if unspaced:
                    yield part, part
                    continue
                core = part.lstrip(_LEAD).rstrip(_TRAIL)
                if not core or _NUMBER.match(core) or (len(parts) > 1 and _punctuation(core)):
                    continue
                yield core, core if _is_word(core) else None


def _unspaced(ch: str) -> bool:
    """A letter without case (CJK, kana, Hangul, Thai, Arabic ...), of the scripts written without spaces."""
    return unicodedata.category(ch) in ("Lo", "Lm")


def _parts(token: str) -> list[tuple[str, bool]]:
    """A token cut into runs of caseless letters (with the marks that follow them: Thai vowels, Devanagari
    signs) and the rest, each with whether it is such a run. A token without them is itself."""
    if token.isascii() or not any(_unspaced(ch) for ch in token):
        return [(token, False)]
    runs: list[tuple[list[str], bool]] = []  # characters gathered in lists, joined once: a long line stays linear
    for ch in token:
        unspaced = _unspaced(ch) or (unicodedata.category(ch) in ("Mn", "Mc") and bool(runs) and runs[-1][1])
        if runs and runs[-1][1] == unspaced:
            runs[-1][0].append(ch)
        else:
            runs.append(([ch], unspaced))
    return [("".join(chars), unspaced) for chars, unspaced in runs]


def _punctuation(text: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in text)


def _is_word(token: str) -> bool:
    parts = _WORD_PARTS.split(token.rstrip("-"))  # a hyphen at a line end is half a word
    if not all(part.isalpha() for part in parts):
        return False
    return token[1:] == token[1:].lower() or token == token.upper()


def unligate(text: str) -> str:
    """Text with the Latin ligature characters (U+FB00-FB06) written out as their letters."""
    return text.translate(_LIGATURES)


def _shape(line: str) -> str:
    """A line without its numbers: "49 A HISTORY OF ROME" and "A HISTORY OF ROME 50" repeat as one shape."""
    return " ".join(re.sub(r"\d+", " ", line.lower()).split())


def _edges(count: int) -> set[int]:
    """Which of a page's ``count`` lines may be running headers or footers: never most of a short page."""
    depth = EDGE_LINES if count >= 4 * EDGE_LINES else 1 if count >= 3 else 0
    return set(range(depth)) | set(range(count - depth, count))


def running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of the lines that repeat at the edges of many pages: of the whole document, or of a stretch of it
    (a chapter's name over its own pages, "Chapter 3: Acids and Bases 41" on every other page of chapter 3)."""
    where: dict[str, list[int]] = {}
    for number, lines in enumerate(pages):
        body = [line for line in lines if line.strip()]
        for shape in {_shape(body[i]) for i in _edges(len(body))}:
            where.setdefault(shape, []).append(number)
    need = max(MIN_REPEATS, int(REPEAT_SHARE * len(pages)))
    return {shape for shape, at in where.items() if any(ch.isalpha() for ch in shape)
            and (len(at) >= need or (len(at) >= MIN_STRETCH and len(at) >= REPEAT_SHARE * (at[-1] - at[0] + 1)))}


def _runs(shape: str, running: set[str]) -> bool:
    """Whether an edge line is a running header: one of the repeating shapes, or one misread by OCR by a letter or
    two ("a histcry of rorne" for "a history of rome"), when the shape is long enough to tell."""
    if shape in running:
        return True
    return len(shape) >= MIN_FUZZY and any(abs(len(shape) - len(r)) <= 2 and len(r) >= MIN_FUZZY
                                           and SequenceMatcher(None, shape, r).ratio() >= FUZZY_RATIO for r in running)


def clean_page(lines: list[str], running: set[str]) -> list[str]:
    """The page's content lines: edge lines that repeat across pages and bare page numbers dropped, hyphens joined."""
    body = [line.strip() for line in lines if line.strip()]
    edge = _edges(len(body))
    kept = [line for i, line in enumerate(body)
            if not (i in edge and (_runs(_shape(line), running) or _PAGE_NUMBER.match(line)))]
    return join_hyphens(kept)


def join_hyphens(lines: list[str]) -> list[str]:
    """'flat-' at a line end and 'tened ...' after it become 'flattened' and '...'."""
    out = list(lines)
    for i in range(len(out) - 1):
        m = _HYPHEN_END.search(out[i])
        nxt = _LOWER_START.match(out[i + 1]) if m else None
        if m and nxt:
            out[i] = out[i][:-1] + nxt.group(1)
            out[i + 1] = nxt.group(2).lstrip()
    return [line for line in out if line]


@dataclass(frozen=True)
class Bookmark:
    path: tuple[str, ...]  # titles from the outline's top down to this one

    @property
    def heading(self) -> str:
        return " > ".join(self.path)


def outline_marks(reader) -> dict[int, list[Bookmark]]:
    """1-based page -> the bookmarks pointing at it, in outline order (empty when there are none or they are unreadable)."""
    marks: dict[int, list[Bookmark]] = {}

    def walk(items, path: tuple[str, ...]) -> None:
        last = path
        for item in items:
            if isinstance(item, list):
                walk(item, last)
                continue
            try:
                page = reader.get_destination_page_number(item) + 1
                title = " ".join(unligate(str(item.title)).split())
            except Exception:  # a broken bookmark is no reason to lose the text
                continue
            last = (*path, title)
            if page > 0:
                marks.setdefault(page, []).append(Bookmark(last))

    try:
        walk(reader.outline, ())
    except Exception:
        return {}
    return marks


def page_sections(lines: list[str], marks: list[Bookmark], before: str) -> tuple[list[tuple[str, list[str]]], str]:
    """A page's lines cut into runs under one heading each, and the heading in force after the page.

    A bookmark heads the text from the line that reads as its title onward (case, spacing and punctuation
    aside; a title may wrap onto a second line). Text before the first such line keeps ``before``, the heading
    in force when the page starts, except that bookmarks which nest (a part, its chapter, its section) start
    together: when those precede the first title found, or no title is found at all, the deepest of them heads
    it. Bookmarks that do not nest (a chapter and two of its sections) cannot all head it, so the deepest path
    they all share does (the chapter); only bookmarks that share nothing (sibling chapters: an extract of a
    book keeps the whole book's outline) leave it ``before`` (or the first of them when no heading is in force
    yet). The first run's heading is the page's heading even when it has no lines.
    """
    if not marks:
        return [(before, lines)], before
    starts = _title_lines(lines, marks)
    matched = {mark for mark, _ in starts.values()}
    first = starts[min(starts)][0] if starts else len(marks)
    leading = [marks[m] for m in range(first) if m not in matched]
    shared = _shared_path(leading)
    if leading and all(a.path == b.path[:len(a.path)] for a, b in zip(leading, leading[1:])):
        heading = leading[-1].heading
    elif shared and not (before + " > ").startswith(Bookmark(shared).heading + " > "):
        heading = Bookmark(shared).heading  # unless the heading in force is inside it already: it says more
    else:
        heading = before or marks[0].heading
    runs: list[tuple[str, list[str]]] = [(heading, [])]
    body, title_end = False, 0  # whether the run has more than title lines; where the last title ends
    for i, line in enumerate(lines):
        if i in starts:
            mark, span = starts[i]
            heading = marks[mark].heading
            if body:
                runs.append((heading, []))
            else:  # title lines in a row ("Part II", "Chapter 5") stay with the last of them
                runs[-1] = (heading, runs[-1][1])
            body, title_end = False, i + span
        runs[-1][1].append(line)
        body = body or i >= title_end
    after = heading if starts else marks[-1].heading
    return runs, after


def _shared_path(marks: list[Bookmark]) -> tuple[str, ...]:
    """The longest start of a path that all ``marks`` have (empty for none)."""
    shared = marks[0].path if marks else ()
    for mark in marks[1:]:
        n = 0
        while n < min(len(shared), len(mark.path)) and shared[n] == mark.path[n]:
            n += 1
        shared = shared[:n]
    return shared


def _key(text: str) -> str:
    """A title as compared: letters and digits only, case folded."""
    return "".join(ch for ch in unligate(text).casefold() if ch.isalnum())


# A section's number before its title on the page ("3.2.7 Buffer Solutions", "Chapter 4 Salts", "A.1 Tables", "IV.
# Results"), which the bookmark often leaves out.
_NUMBERED = re.compile(r"^(?:(?:chapter|section|part|appendix)\s+)?(?:\d{1,3}(?:\.\d{1,3})*|[A-Z](?:\.\d{1,3})+|[A-Z]|[IVXLC]{1,6})"
                       r"[.:)]?\s+(?=\S)", re.I)


def _title_keys(text: str) -> list[str]:
    """The keys a line may match a bookmark's title by: as it reads, and without a section number before it."""
    bare = _NUMBERED.sub("", text, count=1)
    return [_key(text)] + ([_key(bare)] if bare != text else [])


def _title_lines(lines: list[str], marks: list[Bookmark]) -> dict[int, tuple[int, int]]:
    """Line index -> (mark index, lines it spans) for the lines that read as a bookmark's title.

    Bookmarks are matched in outline order: a title that stands twice in the outline (a "Summary" in each
    chapter) is the next one not yet matched.
    """
    by_key: dict[str, list[int]] = {}
    for m, mark in enumerate(marks):
        key = _key(mark.path[-1])
        if key:
            by_key.setdefault(key, []).append(m)
    found: dict[int, tuple[int, int]] = {}
    used: set[int] = set()
    after = 0  # outline index after the last match
    i = 0
    while i < len(lines):
        for span in (1, 2):
            candidates = [m for key in _title_keys(" ".join(lines[i:i + span])) for m in by_key.get(key, []) if m not in used]
            if candidates:
                mark = next((m for m in candidates if m >= after), candidates[0])
                found[i] = (mark, span)
                used.add(mark)
                after = mark + 1
                i += span
                break
        else:
            i += 1
    return found
