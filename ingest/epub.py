"""EPUB books: the spine's XHTML documents as chapters, cited by chapter and paragraph.

Read with zipfile and lxml (the package document says the order; no library needed to tell a chapter from
an image). Chapter N is the N-th XHTML document of the spine, linear or not; paragraph K is the K-th of its
p, h1-h6, li, pre, blockquote and td elements (nested ones included) that holds any text. Text sits in the
innermost such element that holds it, so a list item wrapping a paragraph is not read twice.
"""
from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote

from .markdown import BOLD_LEVEL, reads_as_title
from .blocks import Block, chunk_blocks, read_as_prose
from .records import Chunk, IngestError, normalize

COUNTED = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "td"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SEPARATE = frozenset("address article aside br dd div dl dt figcaption figure footer header hr nav ol section "
                      "table tbody tfoot th thead tr ul".split())  # end a line where they open and close
_NOT_SHOWN = frozenset({"script", "style", "head"})
_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}  # fonts only
_XHTML = "application/xhtml+xml"
NAV_SHARE = 0.6  # an item whose letters are mostly link text is navigation (a table of contents)
_DRM = "is DRM-protected; study cannot read it. Use a DRM-free copy (or export its text) and ingest that"


def _local(el) -> str:
    """An element's tag without its namespace, lower-cased ('' for comments and processing instructions)."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _unreadable(source: str, why: str) -> IngestError:
    return IngestError(source, f"is not a readable EPUB ({why}); re-save it (e.g. with Calibre) and ingest again")


def chunk_epub(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Passages of an EPUB book, each cited as 'chapter C, ¶ A-B'."""
    import zipfile

    from .records import one_line

    try:
        with zipfile.ZipFile(path) as archive:
            return _read(archive, source)
    except (IngestError, PermissionError, FileNotFoundError):
        raise
    except zipfile.BadZipFile:
        raise _unreadable(source, "not a zip archive") from None
    except RecursionError:
        raise _unreadable(source, "its markup is nested too deeply") from None
    except Exception as e:  # a damaged archive or package document: name it on one line
        raise _unreadable(source, one_line(e)) from None


def _xml(data: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser)


def _read(archive, source: str) -> tuple[list[Chunk], list[str]]:
    names = set(archive.namelist())
    if "META-INF/rights.xml" in names:
        raise IngestError(source, _DRM)
    encrypted = _encrypted(archive) if "META-INF/encryption.xml" in names else set()
    opf_path = _package_path(archive, names)
    if opf_path is None:
        raise _unreadable(source, "no OPF package document")
    opf = _xml(archive.read(opf_path))
    base = posixpath.dirname(opf_path)
    manifest = {}  # id -> (path in the zip, media type, properties)
    for item in (el for el in opf.iter() if _local(el) == "item"):
        href = posixpath.normpath(posixpath.join(base, unquote(item.get("href", "").split("#")[0])))
        manifest[item.get("id")] = (href, item.get("media-type", ""), item.get("properties", "").split())
    if encrypted is None or encrypted & {p for p, kind, _ in manifest.values() if kind == _XHTML}:
        raise IngestError(source, _DRM)
    spine = next((el for el in opf.iter() if _local(el) == "spine"), None)
    refs = [el.get("idref") for el in spine.iter() if _local(el) == "itemref"] if spine is not None else []
    documents = [manifest[r][0] for r in refs if r in manifest and manifest[r][1] == _XHTML]
    if not documents:
        raise _unreadable(source, "its spine lists no XHTML documents")
    titles = _toc_titles(archive, manifest, spine)
    chunks: list[Chunk] = []
    warnings: list[str] = []
    outside: list[int] = []
    read: list[tuple[int, str, list[Block]]] = []  # (chapter, title, blocks) of each readable chapter
    for chapter, doc in enumerate(documents, start=1):
        try:
            root = _document(archive.read(doc))
            blocks, skipped = _blocks(root)
        except KeyError:
            warnings.append(f"chapter {chapter} ({doc}) is missing from the book; skipped")
            continue
        except Exception as e:  # one broken chapter leaves the rest readable
            from .records import one_line

            warnings.append(f"chapter {chapter} ({doc}) could not be read ({one_line(e)}); skipped")
            continue
        if skipped:
            outside.append(chapter)
        title = titles.get(doc) or next((b.text for b in blocks if 0 < b.level < BOLD_LEVEL), "") or _title(root)
        title = " ".join(title.split())
        if title and blocks and blocks[0].level and normalize(blocks[0].text) == normalize(title):
            blocks = blocks[1:]  # the chapter's own title heads its path already
        read.append((chapter, title, blocks))
    # a book is running prose or not as a whole (a short chapter of a novel is still the novel)
    prose = read_as_prose([b for _, _, blocks in read for b in blocks], sections=len(read))
    for chapter, title, blocks in read:
        chunks.extend(chunk_blocks(blocks, source, "chapter", heading=(title,) if title else (), chapter=chapter,
                                   prose=prose))
    if outside:
        which = ", ".join(map(str, outside[:8])) + (" ..." if len(outside) > 8 else "")
        warnings.append(f"text outside p, h1-h6, li, pre, blockquote and td elements (chapter{'s' if len(outside) > 1 else ''} "
                        f"{which}) has no paragraph number and is not indexed")
    return chunks, warnings


def _encrypted(archive) -> set[str] | None:
    """Zip paths encrypted by something other than font obfuscation (None: an encryption.xml that cannot be read)."""
    try:
        root = _xml(archive.read("META-INF/encryption.xml"))
    except Exception:
        return None
    found: set[str] = set()
    for data in (el for el in root.iter() if _local(el) == "encrypteddata"):
        method = next((el.get("Algorithm", "") for el in data.iter() if _local(el) == "encryptionmethod"), "")
        uri = next((el.get("URI", "") for el in data.iter() if _local(el) == "cipherreference"), "")
        if method not in _OBFUSCATION and uri:
            found.add(posixpath.normpath(unquote(uri)))
    return found


def _package_path(archive, names: set[str]) -> str | None:
    """The OPF named by META-INF/container.xml, else the only .opf in the archive."""
    if "META-INF/container.xml" in names:
        container = _xml(archive.read("META-INF/container.xml"))
        for rootfile in (el for el in container.iter() if _local(el) == "rootfile"):
            full = rootfile.get("full-path")
            if full in names:
                return full
    opfs = sorted(n for n in names if n.lower().endswith(".opf"))
    return opfs[0] if opfs else None


def _document(data: bytes):
    """A content document's root: as XML, else (HTML entities, broken markup) as HTML."""
    from lxml import etree, html

    try:
        root = _xml(data)
    except etree.XMLSyntaxError:
        return html.document_fromstring(data)
    if any(isinstance(el, etree._Entity) for el in root.iter()):
        return html.document_fromstring(data)  # '&nbsp;' and kin: XML knows only its five, the HTML parser all
    return root


def _toc_titles(archive, manifest: dict, spine) -> dict[str, str]:
    """Document path -> title of the first table-of-contents entry pointing at it (EPUB 3 nav, else NCX)."""
    titles: dict[str, str] = {}
    nav = next((p for p, kind, props in manifest.values() if "nav" in props), None)
    ncx_id = spine.get("toc") if spine is not None else None
    ncx = manifest.get(ncx_id, (None,))[0] \
        or next((p for p, kind, _ in manifest.values() if kind == "application/x-dtbncx+xml"), None)
    entries: list[tuple[str, str, str]] = []  # (table file, href, title)
    try:
        if nav:
            root = _document(archive.read(nav))
            tocs = [el for el in root.iter() if _local(el) == "nav"]
            toc = next((el for el in tocs if "toc" in " ".join(v for k, v in el.attrib.items() if k.endswith("type"))), None)
            for a in (el for el in (toc if toc is not None else root).iter() if _local(el) == "a"):
                entries.append((nav, a.get("href", ""), "".join(a.itertext())))
        if not entries and ncx:
            root = _xml(archive.read(ncx))
            for point in (el for el in root.iter() if _local(el) == "navpoint"):
                label = next((el for el in point.iter() if _local(el) == "text"), None)
                content = next((el for el in point.iter() if _local(el) == "content"), None)
                if label is not None and content is not None:
                    entries.append((ncx, content.get("src", ""), "".join(label.itertext())))
    except Exception:
        return {}  # a broken table of contents only costs the titles: first headings stand in
    for table, href, title in entries:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(table), unquote(href.split("#")[0])))
        if href and " ".join(title.split()):
            titles.setdefault(target, " ".join(title.split()))
    return titles


def _in_list_or_table(el) -> bool:
    """Whether ``el`` stands in a list item or a table cell (a bold term there is no heading)."""
    return any(_local(a) in ("li", "td", "th", "dd", "dt") for a in el.iterancestors())


def _title(root) -> str:
    return next(("".join(el.itertext()) for el in root.iter() if _local(el) == "title"), "")


def _body(root):
    return next((el for el in root.iter() if _local(el) == "body"), root)


def _blocks(root) -> tuple[list[Block], bool]:
    """The chapter's blocks in reading order, and whether any text stood outside every counted element."""
    body = _body(root)
    numbers = {}
    for el in body.iter():
        if _local(el) in COUNTED and "".join(el.itertext()).strip():
            numbers[el] = len(numbers) + 1
    headers = _column_headers(body)
    blocks: list[Block] = []
    parts: list[tuple[str, bool, bool]] = []  # (text, inside a link, in bold type) of the element being read
    skipped = False

    def flush(owner) -> None:
        nonlocal skipped
        text = "".join(t for t, _, _ in parts)
        letters = sum(len("".join(t.split())) for t, _, _ in parts)
        linked = sum(len("".join(t.split())) for t, link, _ in parts if link)
        bold = all(strong for t, _, strong in parts if t.strip())
        parts.clear()
        if not text.strip():
            return
        if owner is None:
            skipped = True
            return
        name = _local(owner)
        if name in _HEADINGS:
            blocks.append(Block(numbers[owner], text, level=_HEADINGS[name]))
        elif name == "pre":
            blocks.append(Block(numbers[owner], text.strip("\n"), kind="code"))
        elif name == "td":
            header = headers.get(owner)
            index = f"{header}: {' '.join(text.split())}" if header else None
            blocks.append(Block(numbers[owner], text, kind="table", index_text=index))
        elif bold and name in ("p", "div") and not _in_list_or_table(owner) and linked < NAV_SHARE * letters \
                and reads_as_title(" ".join(text.split())):
            blocks.append(Block(numbers[owner], text, level=BOLD_LEVEL))  # a bold line heads what follows, as in Markdown
        else:
            blocks.append(Block(numbers[owner], text, kind="nav" if linked >= NAV_SHARE * letters else "text"))

    def visit(el, owner, link: bool, strong: bool = False) -> None:
        name = _local(el)
        if name in _NOT_SHOWN:
            return
        header = name == "th" and owner is None
        if header:
            flush(None)
        if el in numbers:
            flush(owner)
            owner = el
        elif name in _SEPARATE:
            parts.append((" ", link, strong))
        link = link or name == "a"
        inner = strong or name in ("strong", "b")
        if el.text and name:
            parts.append((el.text, link, inner))
        for child in el:
            visit(child, owner, link, inner)
            if child.tail:
                parts.append((child.tail, link, inner))
        if el in numbers:
            flush(el)
        elif name in _SEPARATE:
            parts.append((" ", link, strong))
        if header:
            parts.clear()  # not counted, yet not lost: it is the index text of its column's cells

    visit(body, None, False)
    flush(None)
    return blocks, skipped


def _column_headers(body) -> dict:
    """td element -> the text of the th heading its column (from the table's first all-th row)."""
    headers = {}
    for table in (el for el in body.iter() if _local(el) == "table"):
        rows = [r for r in table.iter() if _local(r) == "tr" and _nearest_table(r) is table]
        columns: list[str] | None = None
        for row in rows:
            cells = [c for c in row if _local(c) in ("td", "th")]
            spans = [int(c.get("colspan")) if (c.get("colspan") or "").isdigit() else 1 for c in cells]
            texts = [" ".join("".join(c.itertext()).split()) for c in cells]
            if columns is None:
                if cells and all(_local(c) == "th" for c, t in zip(cells, texts) if t):
                    columns = [t for t, n in zip(texts, spans) for _ in range(min(max(n, 1), 100))]
                    continue
                break  # no header row on top: nothing to pair
            at = 0
            for cell, n in zip(cells, spans):
                if _local(cell) == "td" and at < len(columns) and columns[at]:
                    headers[cell] = columns[at]
                at += max(n, 1)
    return headers


def _nearest_table(el):
    parent = el.getparent()
    while parent is not None and _local(parent) != "table":
        parent = parent.getparent()
    return parent
