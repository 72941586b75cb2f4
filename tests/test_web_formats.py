"""Saved web pages and EPUB books: every passage stands in what it cites, counted as the README says.

HTML passages cite source lines: the test reads those raw lines itself, drops the tags, unescapes the
entities and looks for the passage there. EPUB passages cite 'chapter C, ¶ A-B': the test finds chapter C and
its paragraphs with zipfile and lxml by the numbering rule, written here again on purpose.
"""
from __future__ import annotations

import html
import posixpath
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from ingest.epub import chunk_epub
from ingest.files import NoteFile, load
from ingest.records import IngestError, normalize
from ingest.webpage import chunk_html
from tests.conftest import SHARED

PEER = SHARED / "peer-files-2"
needs_peer = pytest.mark.skipif(not PEER.exists(), reason="shared peer files not present")
PEER_PAGES = ["example-10k-1p.html", "example-with-scripts.html", "fake-html-cp1252.html"]

# -- the independent HTML check ---------------------------------------------------------------------------
_BLOCK_TAG = re.compile(r"</?(?:p|div|li|ul|ol|h[1-6]|tr|td|th|table|thead|tbody|tfoot|br|pre|blockquote|section|article|"
                        r"header|footer|nav|main|aside|dl|dt|dd|figure|figcaption|caption|hr|body|html|head|title)\b[^>]*>", re.I)


def raw_lines(path: Path, encoding: str) -> list[str]:
    """The file's lines as an editor numbers them (line n is [n - 1])."""
    return re.split(r"\r\n|\r|\n", path.read_bytes().decode(encoding))


def visible(lines: list[str], start: int, end: int) -> str:
    """Raw lines start..end without tags or comments, entities unescaped."""
    text = "\n".join(lines[start - 1 : end])
    first_open, first_close = text.find("<"), text.find(">")
    if first_close != -1 and (first_open == -1 or first_close < first_open):
        text = text[first_close + 1 :]  # the lines begin inside a tag that opened on an earlier line
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = _BLOCK_TAG.sub(" ", text)  # a block's edge is a break between words
    text = re.sub(r"<[^>]*>", "", text)  # an inline tag is not ('ANNU<span>AL' reads 'ANNUAL')
    return html.unescape(text)


def shown(lines: list[str], start: int, end: int) -> str:
    return normalize(visible(lines, start, end))


def assert_stands_in_lines(chunks, lines: list[str]) -> None:
    assert chunks
    for c in chunks:
        assert c.unit_kind == "lines" and 1 <= c.start_line <= c.end_line <= len(lines), c.citation
        assert len(c.lines) == len(c.text.split("\n")) and c.lines[0] == c.start_line
        whole, at = shown(lines, c.start_line, c.end_line), 0
        for number, text in zip(c.lines, c.text.split("\n")):
            wanted = normalize(text)
            # Each line of the passage stands on the lines it cites, in the passage's order.
            assert wanted in shown(lines, number, c.end_line), (c.citation, number, text)
            found = whole.find(wanted, at)
            assert found != -1, (c.citation, text)
            at = found + len(wanted)
        # No line is cited for nothing: the first and the last cited lines show some of the passage.
        passage = set("".join(c.text.split()))
        assert passage & set("".join(visible(lines, c.start_line, c.start_line).split())), c.citation
        assert passage & set("".join(visible(lines, c.end_line, c.end_line).split())), c.citation


def page(tmp_path: Path, body: str, name: str = "page.html", encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(body.replace("\n", newline).encode(encoding))
    return path


SAMPLE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Cell biology notes</title>
<style>.secretstyleword { color: red }</style>
<script>var secretScriptWord = "hidden"; function neverShown() {}</script>
</head>
<body>
<header><a href="/">Home</a> <a href="/about">About us</a></header>
<nav><ul><li><a href="/a">Menu entry one</a></li></ul></nav>
<noscript>Enable javascript please</noscript>
<template><p>Template words</p></template>
<div style="display:none">Invisible words</div>
<article>
<header><h1>Membranes &amp; transport</h1></header>
<p
   class="lead">
Osmosis is the diffusion of water
across a selectively permeable membrane.</p>
<p>Active transport moves ions <em>against</em> their gradient, using ATP.<br>It needs carrier proteins.</p>
<h2>Terms</h2>
<table>
<tr><th>Term</th><th>Meaning</th></tr>
<tr><td>Diffusion</td><td>Movement from high to low concentration</td></tr>
<tr>
  <td>Endocytosis</td>
  <td>Uptake by
      folding the membrane</td>
</tr>
</table>
<ul><li>First point about pumps.<li>Second point about channels.</ul>
<pre><code>def rate(x):
    return 2 * x
</code></pre>
<blockquote>Life is chemistry in a bag.</blockquote>
<dl><dt>Lysis</dt><dd>Bursting of a cell.</dd></dl>
Bare text in the body after the list.
<p><a href="/membranes">See also: the membrane page</a></p>
</article>
<footer>Copyright footer words</footer>
</body></html>
"""


def test_sample_page_reads_visible_text_cited_by_its_own_lines(tmp_path):
    path = page(tmp_path, SAMPLE)
    chunks, warnings = chunk_html(path, "notes/page.html")
    assert warnings == []
    assert_stands_in_lines(chunks, raw_lines(path, "utf-8"))
    everything = normalize(" ".join(f"{c.heading} {c.text} {c.index_text}" for c in chunks))
    for hidden in ("secretscriptword", "neverShown", "secretstyleword", "enable javascript", "template words",
                   "invisible words", "menu entry", "about us", "copyright footer"):
        assert normalize(hidden) not in everything, hidden
    osmosis = next(c for c in chunks if "Osmosis is the diffusion" in c.text)
    # The text, not its tag, is what is cited: '<p' opens on line 14, the words are on lines 16-17.
    assert osmosis.lines[osmosis.text.split("\n").index(
        "Osmosis is the diffusion of water across a selectively permeable membrane.")] == 16
    assert osmosis.heading == "Membranes & transport"  # a header inside an article is the article's
    assert "Active transport moves ions against their gradient, using ATP. It needs carrier proteins." in osmosis.text
    row = next(c for c in chunks if "Endocytosis" in c.text)
    assert row.kind == "table" and row.heading == "Membranes & transport > Terms"
    assert "Endocytosis | Uptake by folding the membrane" in row.text.split("\n")
    assert "Term: Endocytosis; Meaning: Uptake by folding the membrane" in row.index_text.split("\n")
    assert row.lines[row.text.split("\n").index("Endocytosis | Uptake by folding the membrane")] == 24
    code = next(c for c in chunks if "def rate" in c.text)
    assert code.kind == "code" and code.text == "def rate(x):\n    return 2 * x" and code.lines == (30, 31)
    rest = " ".join(c.text for c in chunks)
    for words in ("First point about pumps.", "Second point about channels.", "Life is chemistry in a bag.",
                  "Lysis", "Bursting of a cell.", "Bare text in the body after the list."):
        assert words in rest, words
    link = next(c for c in chunks if "See also" in c.text)
    assert link.kind == "nav" and link.text == "See also: the membrane page"  # ranked apart from the prose


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_numbers_count_crlf_and_cr_like_an_editor(tmp_path, newline):
    unix = chunk_html(page(tmp_path, SAMPLE), "notes/page.html")[0]
    path = page(tmp_path, SAMPLE, "other.html", newline=newline)
    chunks = chunk_html(path, "notes/page.html")[0]
    assert [(c.text, c.lines, c.end_line) for c in chunks] == [(c.text, c.lines, c.end_line) for c in unix]
    assert_stands_in_lines(chunks, raw_lines(path, "utf-8"))


def test_a_row_cites_from_its_first_to_its_last_words(tmp_path):
    body = ("<table>\n<tr><th>Term</th><th>Meaning</th></tr>\n"
            "<tr>\n  <td>\n  Endocytosis</td>\n  <td>Uptake by\n  folding</td>\n</tr>\n</table>\n")
    [row] = chunk_html(page(tmp_path, body), "notes/page.html")[0]
    assert row.text == "Term | Meaning\nEndocytosis | Uptake by folding" and row.lines == (2, 5)
    assert row.end_line == 7 and row.citation == "notes/page.html:2-7"


def test_a_headings_permalink_mark_is_not_part_of_the_heading(tmp_path):
    # documentation generators end every heading with a link to itself, shown as a pilcrow or a hash
    body = ('<h1>Osmosis<a class="headerlink" href="#osmosis" title="Permalink">¶</a></h1>\n'
            '<h2 id="x">Water potential <a href="#x">#</a></h2>\n<p>Water moves towards the lower potential.</p>\n'
            '<p>See <a href="#osmosis">Osmosis</a> above.</p>\n')
    chunks = chunk_html(page(tmp_path, body), "notes/page.html")[0]
    assert {c.heading for c in chunks} == {"Osmosis > Water potential"}
    assert any("See Osmosis above." in c.text for c in chunks)  # a link to a section by its words stays


def test_long_paragraph_pieces_cite_only_their_own_lines(tmp_path):
    sentences = [f"Sentence number {i} talks about mitochondria and the energy they make for the cell." for i in range(40)]
    body = "<html><body><p>\n" + "\n".join(sentences) + "\n</p></body></html>\n"
    path = page(tmp_path, body)
    chunks = chunk_html(path, "notes/page.html")[0]
    assert len(chunks) > 3
    assert_stands_in_lines(chunks, raw_lines(path, "utf-8"))
    assert all(c.end_line - c.start_line < 10 for c in chunks)  # not every piece citing all 40 lines


def test_charset_by_meta_then_utf8_then_cp1252(tmp_path):
    russian = page(tmp_path, '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
                             "</head><body><p>Привет, клетка.</p></body></html>", "ru.html", "koi8-r")
    chunks, warnings = chunk_html(russian, "notes/ru.html")
    assert warnings == [] and chunks[0].text == "Привет, клетка."
    latin = page(tmp_path, '<meta charset="ISO-8859-1"><p>Price: 5 € for the café</p>', "latin.html", "cp1252")
    assert chunk_html(latin, "notes/latin.html")[0][0].text == "Price: 5 € for the café"  # browsers read Latin-1 as cp1252
    undeclared = page(tmp_path, "<p>Crème brûlée, naïve façade</p>", "plain.html", "cp1252")
    chunks, warnings = chunk_html(undeclared, "notes/plain.html")
    assert chunks[0].text == "Crème brûlée, naïve façade"
    assert len(warnings) == 1 and "cp1252" in warnings[0]
    bom = tmp_path / "bom.html"
    bom.write_bytes("<p>Ελληνικά κείμενα</p>".encode("utf-16"))
    assert chunk_html(bom, "notes/bom.html")[0][0].text == "Ελληνικά κείμενα"


@needs_peer
@pytest.mark.parametrize("name", PEER_PAGES)
def test_peer_pages_stand_in_their_cited_lines(name):
    path = PEER / name
    chunks, _ = chunk_html(path, f"notes/{name}")
    encoding = "cp1252" if "cp1252" in name else "utf-8"
    assert_stands_in_lines(chunks, raw_lines(path, encoding))


@needs_peer
def test_peer_cp1252_page_is_decoded_right():
    chunks, warnings = chunk_html(PEER / "fake-html-cp1252.html", "notes/fake.html")
    text = " ".join(c.text for c in chunks)
    for word in ("schöne", "köstlich", "niño", "15,50 €", "João"):
        assert word in text, word
    assert len(warnings) == 1 and "cp1252" in warnings[0]


@needs_peer
def test_peer_page_scripts_are_never_indexed():
    raw = (PEER / "example-with-scripts.html").read_text("utf-8")
    bodies = re.findall(r"<script\b[^>]*>(.*?)</script>", raw, flags=re.S | re.I)
    pieces = [normalize(line) for body in bodies for line in body.splitlines() if len(normalize(line)) >= 20]
    assert len(pieces) > 10
    chunks, _ = chunk_html(PEER / "example-with-scripts.html", "notes/page.html")
    indexed = "\n".join(normalize(c.search_text) for c in chunks)
    assert not [p for p in pieces if p in indexed]
    assert any("belarusian forces remain unlikely to attack ukraine" in normalize(c.text) for c in chunks)


def test_html_read_through_files_load(tmp_path):
    path = page(tmp_path, SAMPLE)
    result = load(NoteFile(path, "notes/page.html"))
    assert result.error is None and result.chunks and result.chunks[0].citation.startswith("notes/page.html:")
    empty = page(tmp_path, "<html><head><title>x</title><script>var a = 1;</script></head><body></body></html>", "empty.html")
    assert load(NoteFile(empty, "notes/empty.html")).error == "no text to index; add some words or remove it"


# -- the independent EPUB check ---------------------------------------------------------------------------
_COUNTED = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "td")
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img", "ins",
           "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "u", "var"}


def _name(el) -> str | None:
    return etree.QName(el).localname.lower() if isinstance(el.tag, str) else None


def _words(el) -> str:
    """What the element shows: its text, a break at each block edge and <br>, nothing from scripts or comments."""
    out: list[str] = []

    def walk(e) -> None:
        name = _name(e)
        if name in (None, "script", "style"):
            return
        edge = name not in _INLINE
        out.append(" " if edge else "")
        out.append(e.text or "")
        for child in e:
            walk(child)
            out.append(child.tail or "")
        out.append(" " if edge else "")

    walk(el)
    return "".join(out)


def epub_paragraphs(path: Path) -> list[list]:
    """Chapter c (1-based) -> its counted paragraph elements, by the README's numbering."""
    with zipfile.ZipFile(path) as z:
        container = etree.fromstring(z.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(z.read(opf_path))
        items = {i.get("id"): i for i in opf.find("{*}manifest")}
        chapters = []
        for ref in opf.find("{*}spine"):
            item = items[ref.get("idref")]
            if item.get("media-type") != "application/xhtml+xml":
                continue
            doc = etree.fromstring(z.read(posixpath.join(posixpath.dirname(opf_path), item.get("href"))))
            body = doc.find("{*}body")
            chapters.append([el for el in body.iter() if _name(el) in _COUNTED and "".join(el.itertext()).strip()])
    return chapters


def cited_text(paragraphs: list, first: int, last: int) -> str:
    """Paragraphs first..last in document order, each shown once: one nested in another cited one is in its text."""
    cited = paragraphs[first - 1 : last]
    return " ".join(_words(el) for el in cited if not any(a in cited for a in el.iterancestors()))


def assert_stands_in_paragraphs(chunks, path: Path) -> None:
    chapters = epub_paragraphs(path)
    assert chunks
    for c in chunks:
        assert c.unit == "chapter" and 1 <= c.chapter <= len(chapters), c.citation
        paragraphs = chapters[c.chapter - 1]
        assert 1 <= c.first <= c.last <= len(paragraphs), c.citation
        assert normalize(c.text) in normalize(cited_text(paragraphs, c.first, c.last)), (c.citation, c.text)
        for number, text in zip(c.lines, c.text.split("\n")):
            # Each line of the passage stands in the paragraph it is attributed to.
            assert c.first <= number <= c.last, (c.citation, number)
            assert normalize(text) in normalize(_words(paragraphs[number - 1])), (c.citation, text)


def _html(title: str, body: str) -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


CHAPTER_TWO = """<h1>Chapter Two</h1>
<p>Plants make their own food.</p>
<p>   </p>
<ul>
  <li>Leaves are green.</li>
  <li><p>Photosynthesis turns light, water and carbon dioxide into sugar.</p></li>
</ul>
<table>
  <tr><th>Organelle</th><th>Job</th></tr>
  <tr><td>Chloroplast</td><td>Captures light energy</td></tr>
</table>
<blockquote><p>Every green leaf is a small factory.</p></blockquote>
<div>Loose words in a division.</div>
<pre>sugar = light + water</pre>"""


def make_book(path: Path) -> Path:
    """Three chapters, a cover image and a non-linear notes page in the spine, with a TOC."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("test-book")
    book.set_title("Biology")
    book.set_language("en")
    cover = epub.EpubItem(uid="cover", file_name="cover.svg", media_type="image/svg+xml",
                          content=b'<svg xmlns="http://www.w3.org/2000/svg"><text>Cover words</text></svg>')
    one = epub.EpubHtml(title="One", file_name="one.xhtml", lang="en")
    one.content = _html("One", "<h1>Chapter One</h1><p>Cells are the units of life.</p><p>Every cell has a membrane.</p>")
    two = epub.EpubHtml(title="Two", file_name="two.xhtml", lang="en")
    two.content = _html("Two", CHAPTER_TWO)
    notes = epub.EpubHtml(title="Notes", file_name="notes.xhtml", lang="en")
    notes.content = _html("Notes", "<p>A note read outside the main flow.</p>")
    three = epub.EpubHtml(title="Three", file_name="three.xhtml", lang="en")
    three.content = _html("Three", "<h2>Respiration</h2>"
                                   "<ol><li>Lead words <p>Inner paragraph on glycolysis.</p> trailing words.</li></ol>")
    for item in (cover, one, two, notes, three):
        book.add_item(item)
    book.toc = (epub.Link("one.xhtml", "Chapter One", "one"), epub.Link("two.xhtml#top", "Two: Plants", "two"),
                epub.Link("notes.xhtml", "Notes", "notes"))
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = [cover, one, two, (notes, "no"), three]
    epub.write_epub(str(path), book)
    return path


def test_generated_book_stands_in_its_cited_paragraphs(tmp_path):
    path = make_book(tmp_path / "book.epub")
    chunks, warnings = chunk_epub(path, "notes/book.epub")
    assert_stands_in_paragraphs(chunks, path)
    by_chapter = {c.chapter for c in chunks}
    assert by_chapter == {1, 2, 3, 4}  # the cover image is no chapter; the non-linear notes page is chapter 3
    notes = next(c for c in chunks if "outside the main flow" in c.text)
    assert notes.citation == "notes/book.epub, chapter 3, ¶ 1" and notes.heading == "Notes"
    assert len(warnings) == 1 and "(chapter 2)" in warnings[0]  # the loose <div> text has no paragraph number


def test_paragraph_numbering_by_hand(tmp_path):
    path = make_book(tmp_path / "book.epub")
    chunks, _ = chunk_epub(path, "notes/book.epub")
    # Chapter 2 counts: h1 (1), p (2), the empty p not at all, li (3), li holding the p (4), that p (5).
    sentence = "Photosynthesis turns light, water and carbon dioxide into sugar."
    [chunk] = [c for c in chunks if sentence in c.text]
    line = chunk.text.split("\n").index(sentence)
    number = chunk.line_of(line)
    assert chunk.cite(number, number) == "notes/book.epub, chapter 2, ¶ 5"
    assert chunk.chapter == 2 and chunk.first <= 5 <= chunk.last
    assert chunk.text.count(sentence) == 1  # read once, in its innermost element
    assert chunk.heading.startswith("Two: Plants")  # the table of contents names the chapter
    # Then td (6, 7), blockquote (8) and its p (9), pre (10).
    cells = {c.chapter: c for c in chunks if "Chloroplast" in c.text}[2]
    assert cells.line_of(cells.text.split("\n").index("Chloroplast")) == 6
    assert "Organelle: Chloroplast" in cells.index_text and "Job: Captures light energy" in cells.index_text
    quote = next(c for c in chunks if "small factory" in c.text)
    assert quote.line_of(quote.text.split("\n").index("Every green leaf is a small factory.")) == 9
    code = next(c for c in chunks if "sugar = light" in c.text)
    assert code.kind == "code" and code.citation == "notes/book.epub, chapter 2, ¶ 10"
    one = next(c for c in chunks if c.chapter == 1)
    assert one.heading == "Chapter One"  # the TOC title and the h1 agree: not repeated
    # Chapter 4 (no TOC entry: titled by its heading) counts h2 (1), li (2), its p (3). The li's words after
    # the p are the li's own: the passage reads 2, 3, 2 and cites ¶ 2-3.
    lead = next(c for c in chunks if "trailing words" in c.text)
    assert lead.text == "Lead words\nInner paragraph on glycolysis.\ntrailing words."
    assert lead.citation == "notes/book.epub, chapter 4, ¶ 2-3" and lead.heading == "Respiration"


@needs_peer
def test_peer_book_stands_in_its_cited_paragraphs():
    path = PEER / "eng_spa_mult.epub"
    chunks, warnings = chunk_epub(path, "notes/eng_spa_mult.epub")
    assert warnings == []
    assert_stands_in_paragraphs(chunks, path)
    assert {c.chapter for c in chunks} == {1}
    assert all(c.heading == "Untitled document" for c in chunks)
    assert {c.first for c in chunks} | {c.last for c in chunks} == {1, 2, 3, 4, 5}


# -- books that cannot be read ------------------------------------------------------------------------------
def _with_extra(src: Path, dest: Path, extra: dict[str, str]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        for name, text in extra.items():
            zout.writestr(name, text)
    return dest


def _encryption(uri: str, algorithm: str) -> str:
    return f"""<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="{algorithm}"/>
    <enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>"""


DRM = "is DRM-protected; study cannot read it. Use a DRM-free copy (or export its text) and ingest that"


def test_drm_book_gives_one_clear_error(tmp_path):
    book = make_book(tmp_path / "book.epub")
    aes = _with_extra(book, tmp_path / "aes.epub",
                      {"META-INF/encryption.xml": _encryption("EPUB/two.xhtml", "http://www.w3.org/2001/04/xmlenc#aes128-cbc")})
    result = load(NoteFile(aes, "notes/x.epub"))
    assert result.error == DRM and result.chunks == []
    rights = _with_extra(book, tmp_path / "rights.epub", {"META-INF/rights.xml": "<rights/>"})
    assert load(NoteFile(rights, "notes/x.epub")).error == DRM
    with pytest.raises(IngestError) as raised:
        chunk_epub(aes, "notes/x.epub")
    assert str(raised.value) == f"notes/x.epub: {DRM}"


def test_obfuscated_fonts_are_no_drm(tmp_path):
    book = make_book(tmp_path / "book.epub")
    fonts = _with_extra(book, tmp_path / "fonts.epub", {
        "META-INF/encryption.xml": _encryption("EPUB/fonts/a.otf", "http://www.idpf.org/2008/embedding"),
        "EPUB/fonts/a.otf": "not really a font"})
    result = load(NoteFile(fonts, "notes/x.epub"))
    assert result.error is None and any("Photosynthesis" in c.text for c in result.chunks)


def test_not_an_epub_gives_one_clear_error(tmp_path):
    fake = tmp_path / "fake.epub"
    fake.write_text("this is a text file with the wrong name\n")
    result = load(NoteFile(fake, "notes/x.epub"))
    assert result.error == "is not a readable EPUB (not a zip archive); re-save it (e.g. with Calibre) and ingest again"
    empty_zip = tmp_path / "empty.epub"
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
    error = load(NoteFile(empty_zip, "notes/x.epub")).error
    assert error.startswith("is not a readable EPUB (no OPF") and "\n" not in error
    truncated = tmp_path / "cut.epub"
    truncated.write_bytes(make_book(tmp_path / "book.epub").read_bytes()[:900])
    error = load(NoteFile(truncated, "notes/x.epub")).error
    assert error.startswith("is not a readable EPUB (") and error.endswith("re-save it (e.g. with Calibre) and ingest again")


def test_epub2_book_with_ncx_html_entities_and_line_breaks(tmp_path):
    path = tmp_path / "old.epub"
    chapter = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>ch</title></head>
<body><h2>Cell division</h2><p>Mitosis&nbsp;divides<br/>the nucleus.</p></body></html>"""
    opf = """<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Old</dc:title></metadata>
<manifest><item id="c1" href="text/ch%201.xhtml" media-type="application/xhtml+xml"/>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/></manifest>
<spine toc="ncx"><itemref idref="c1"/></spine></package>"""
    ncx = """<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
<navPoint id="p1" playOrder="1"><navLabel><text>Part One: Division</text></navLabel>
<content src="text/ch%201.xhtml#start"/></navPoint>
</navMap></ncx>"""
    container = """<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", container)
        z.writestr("content.opf", opf)
        z.writestr("toc.ncx", ncx)
        z.writestr("text/ch 1.xhtml", chapter)
    [chunk], warnings = chunk_epub(path, "notes/old.epub")
    assert warnings == []
    assert chunk.text == "Mitosis divides the nucleus." and chunk.citation == "notes/old.epub, chapter 1, ¶ 2"
    assert chunk.heading == "Part One: Division > Cell division"


def test_each_sentence_of_a_paragraph_cites_the_line_it_starts_on(tmp_path):
    """A page's source wraps a paragraph over lines without regard to its sentences: an answer sentence (or a card)
    cites the line where it starts, not the paragraph's first line."""
    from ingest import split_sentences

    body = ("<html><body><p>The harbour was closed on Monday.[2] Two ships\nwaited outside the wall for three days.[3]"
            " The\ncustoms house reopened on Thursday morning. Trade\nresumed at once.</p></body></html>\n")
    chunks = chunk_html(page(tmp_path, body), "notes/page.html")[0]
    starts = {text: c.line_of(first) for c in chunks for text, first, _ in split_sentences(c)}
    assert starts == {"The harbour was closed on Monday.[2]": 1, "Two ships waited outside the wall for three days.[3]": 1,
                      "The customs house reopened on Thursday morning.": 2, "Trade resumed at once.": 3}


def test_a_sentence_wrapped_over_source_lines_cites_all_of_them(tmp_path):
    """An answer sentence cites every source line it stands on, from its first word to its last (a page's source
    wraps a sentence over lines), and the stored passage keeps that through the index."""
    from app.sentences import pick_sentences
    from index.search import Hit
    from index.store import Sentence
    from ingest import Chunk, split_sentences

    body = ("<html><body>\n<p>Osmosis is the movement of water\nacross a membrane from low to high\nsolute concentration."
            " It needs no energy\nfrom the cell. Cells swell in fresh water.</p>\n</body></html>\n")
    [chunk] = chunk_html(page(tmp_path, body), "notes/page.html")[0]
    chunk = Chunk.from_dict(chunk.to_dict())  # as the index stores it
    spans = {text: (chunk.line_of(first), chunk.last_line_of(last)) for text, first, last in split_sentences(chunk)}
    assert spans == {"Osmosis is the movement of water across a membrane from low to high solute concentration.": (2, 4),
                     "It needs no energy from the cell.": (4, 5), "Cells swell in fresh water.": (5, 5)}
    hit = Hit(chunk, row=0, rank=1, score=1.0, dense=0.6)
    hit.sentences = [(Sentence(0, i, t, i), 0.9 - 0.3 * i) for i, (t, _, _) in enumerate(split_sentences(chunk))]
    [first, *_] = pick_sentences("What is osmosis?", [hit])
    assert first.citation == "notes/page.html:2-4" and first.lines == {2, 3, 4}


def test_a_short_bold_paragraph_heads_what_follows_in_web_pages_and_books(tmp_path):
    """As a bold line in Markdown: <p><strong>Long polling</strong></p> opens a section under the current heading
    (its answers cite it in their heading path); a bold sentence, a bold list item and a link stay text."""
    from ebooklib import epub

    body = ("<h1>Queues</h1><p><strong>Long polling</strong></p>"
            "<p>Waiting for messages cuts the number of empty responses and API calls.</p>"
            "<p><b>Always delete a message after you process it.</b></p><ul><li><b>Visibility</b></li>"
            "<li><p><strong>Ribosome</strong></p></li><li><p><strong>Golgi apparatus</strong></p></li></ul>"
            "<p>Otherwise it comes back when its visibility timeout ends.</p>"
            "<table><tr><td><p><b>Organelle</b></p></td><td><p><b>Job</b></p></td></tr>"
            "<tr><td>Mitochondrion</td><td>makes energy</td></tr></table>")
    (tmp_path / "q.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    book = epub.EpubBook()
    book.set_identifier("q")
    book.set_title("Q")
    chapter = epub.EpubHtml(title="Queues", file_name="q.xhtml", lang="en")
    chapter.content = f"<html><body>{body}</body></html>"
    book.add_item(chapter)
    book.spine = [chapter]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(tmp_path / "q.epub"), book)
    for name in ("q.html", "q.epub"):
        chunks = load(NoteFile(tmp_path / name, f"notes/{name}")).chunks
        assert [c.heading.split(" > ")[-1] for c in chunks] == ["Long polling"], (name, [c.heading for c in chunks])
        text = " ".join(c.text for c in chunks)
        assert "Always delete a message after you process it." in text and "Visibility" in text, name
        assert "Ribosome" in text and "Golgi apparatus" in text and "Organelle" in text, name  # list and table
        # terms stay where they stand


def test_a_novels_short_chapter_is_prose_as_its_long_one_and_no_bold_line_titles_a_chapter(tmp_path):
    """Whether a book reads as running prose is asked of the whole book, not chapter by chapter; a chapter without
    a contents entry or heading keeps its document title, not a bold line of its text."""
    from ebooklib import epub

    from tests.test_chunking import _tale

    book = epub.EpubBook()
    book.set_identifier("n")
    book.set_title("N")
    one = epub.EpubHtml(title="One", file_name="one.xhtml", lang="en")
    one.content = "<html><head><title>One</title></head><body>" + "".join(f"<p>{p}</p>" for p in _tale(60)) + "</body></html>"
    two = epub.EpubHtml(title="Two", file_name="two.xhtml", lang="en")
    two.content = ("<html><head><title>Two</title></head><body>" + "".join(f"<p>{p}</p>" for p in _tale(4))
                   + "<p><b>Note</b></p><p>The ferry ran again in spring.</p></body></html>")
    for item in (one, two):
        book.add_item(item)
    book.spine = [one, two]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(tmp_path / "n.epub"), book)
    chunks = load(NoteFile(tmp_path / "n.epub", "notes/n.epub")).chunks
    assert {c.chapter for c in chunks if c.kind == "prose"} == {1, 2}
    assert all(not c.heading.startswith("Note") for c in chunks)
