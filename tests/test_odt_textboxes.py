"""OpenDocument text boxes: a call-out's paragraphs are read as paragraphs of their own, right after the
paragraph anchoring them, numbered like the others (as the Word reader reads a text box); an image's frame
stays out. The .odt files are written by hand with zipfile so each test states exactly what LibreOffice saves.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.odt import chunk_odt

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
}
_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
             'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
             '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
             '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
             '</manifest:manifest>')


def make_odt(path: Path, body: str) -> Path:
    """A minimal .odt whose office:text holds ``body``."""
    xmlns = " ".join(f'xmlns:{k}="{v}"' for k, v in _NS.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {xmlns} office:version="1.2">'
               f'<office:body><office:text>{body}</office:text></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")  # stored, first
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", _MANIFEST)
    return path


def box(inner: str, anchor: str = "paragraph") -> str:
    return (f'<draw:frame draw:name="F" text:anchor-type="{anchor}" svg:width="5cm">'
            f'<draw:text-box>{inner}</draw:text-box></draw:frame>')


def p(text: str, inside: str = "") -> str:
    return f"<text:p>{text}{inside}</text:p>"


def cited(chunks, sentence: str) -> str:
    """The citation of the paragraph (line of the passage) holding ``sentence``."""
    for c in chunks:
        for i, line in enumerate(c.text.split("\n")):
            if sentence in line:
                return c.cite(c.line_of(i), c.line_of(i))
    raise AssertionError(f"{sentence!r} not indexed")


def line_with(chunks, sentence: str) -> str:
    return next(line for c in chunks for line in c.text.split("\n") if sentence in line)


def test_a_text_box_is_read_after_its_anchor_paragraph_and_cited_by_its_own_number(tmp_path):
    path = make_odt(tmp_path / "b.odt", "".join([
        p("Photosynthesis happens in chloroplasts."),
        p("The light reactions split water.", box(p("Remember: oxygen comes from water.") + p("Second callout line."))),
        p("The Calvin cycle fixes carbon."),
        # anchored as a character in the middle of a sentence
        p("Glucose is ", box(p("Inline box words here."), "as-char") + "stored as starch."),
        p("Starch is broken down at night."),
    ]))
    chunks, _ = chunk_odt(path, "notes/b.odt")
    assert cited(chunks, "The light reactions split water.") == "notes/b.odt, ¶ 2"
    assert cited(chunks, "Remember: oxygen comes from water.") == "notes/b.odt, ¶ 3"
    assert cited(chunks, "Second callout line.") == "notes/b.odt, ¶ 4"
    assert cited(chunks, "The Calvin cycle fixes carbon.") == "notes/b.odt, ¶ 5"
    assert cited(chunks, "Glucose is") == "notes/b.odt, ¶ 6"
    assert cited(chunks, "Inline box words here.") == "notes/b.odt, ¶ 7"
    assert cited(chunks, "Starch is broken down") == "notes/b.odt, ¶ 8"
    # the anchor's own text is not glued to the box's
    assert "Remember" not in line_with(chunks, "The light reactions")
    assert "Inline box" not in line_with(chunks, "Glucose is")
    assert " ".join(line_with(chunks, "Glucose is").split()) == "Glucose is stored as starch."
    assert " ".join(c.text for c in chunks).count("Remember: oxygen") == 1


def test_nested_boxes_lists_and_tables_in_a_box_are_read_in_order(tmp_path):
    table = ('<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/>'
             '<table:table-row><table:table-cell>' + p("Gas") + '</table:table-cell><table:table-cell>' + p("Role")
             + '</table:table-cell></table:table-row><table:table-row><table:table-cell>' + p("Oxygen")
             + '</table:table-cell><table:table-cell>' + p("Released by plants") + '</table:table-cell>'
             '</table:table-row></table:table>')
    items = ('<text:list><text:list-item>' + p("First listed fact.") + '</text:list-item><text:list-item>'
             + p("Second listed fact.") + '</text:list-item></text:list>')
    inner = box(p("Inner box words."))
    path = make_odt(tmp_path / "n.odt", "".join([
        '<text:h text:outline-level="1">Plants</text:h>',
        p("", box('<text:h text:outline-level="1">Sidebar heading</text:h>' + p("Outer box words.", inner) + items + table)),
        p("Back in the body."),
    ]))
    chunks, _ = chunk_odt(path, "notes/n.odt")
    assert cited(chunks, "Sidebar heading") == "notes/n.odt, ¶ 2"  # the empty anchor paragraph is not counted
    assert cited(chunks, "Outer box words.") == "notes/n.odt, ¶ 3"
    assert cited(chunks, "Inner box words.") == "notes/n.odt, ¶ 4"
    assert cited(chunks, "First listed fact.") == "notes/n.odt, ¶ 5"
    assert cited(chunks, "Second listed fact.") == "notes/n.odt, ¶ 6"
    assert cited(chunks, "Oxygen | Released by plants") == "notes/n.odt, ¶ 9"  # a row line: its first paragraph
    assert any("Oxygen | Released" in c.text and c.last >= 10 for c in chunks)  # ... to its last
    assert any("Gas: Oxygen" in c.index_text for c in chunks)
    assert cited(chunks, "Back in the body.") == "notes/n.odt, ¶ 11"
    # a heading in a sidebar does not open a section, as in the Word reader
    assert all(c.heading == "Plants" for c in chunks)


def test_a_page_anchored_frame_is_read_where_it_stands(tmp_path):
    path = make_odt(tmp_path / "pg.odt", "".join([
        '<text:sequence-decls/>',
        box(p("Page box words."), "page"),
        p("First body paragraph."),
        '<draw:page-thumbnail/>',
        box(p("Second page box."), "page"),
        p("Last body paragraph."),
    ]))
    chunks, _ = chunk_odt(path, "notes/pg.odt")
    assert cited(chunks, "Page box words.") == "notes/pg.odt, ¶ 1"
    assert cited(chunks, "First body paragraph.") == "notes/pg.odt, ¶ 2"
    assert cited(chunks, "Second page box.") == "notes/pg.odt, ¶ 3"
    assert cited(chunks, "Last body paragraph.") == "notes/pg.odt, ¶ 4"


def test_an_image_frame_yields_nothing_beside_a_read_text_box(tmp_path):
    image = ('<draw:frame draw:name="I" text:anchor-type="paragraph"><draw:image xlink:href="Pictures/leaf.png">'
             + p("Image fallback words") + '</draw:image><svg:title>Leaf diagram title</svg:title>'
             '<svg:desc>Leaf diagram description</svg:desc></draw:frame>')
    path = make_odt(tmp_path / "img.odt", "".join([
        p("See the figure.", image),
        p("", image),  # a paragraph holding only a picture is empty: not counted
        p("Leaves are green.", box(p("Chlorophyll box words."))),
    ]))
    chunks, _ = chunk_odt(path, "notes/img.odt")
    assert cited(chunks, "See the figure.") == "notes/img.odt, ¶ 1"
    assert cited(chunks, "Leaves are green.") == "notes/img.odt, ¶ 2"
    assert cited(chunks, "Chlorophyll box words.") == "notes/img.odt, ¶ 3"
    everything = " ".join(c.text + " " + c.index_text for c in chunks)
    assert "Leaf diagram" not in everything and "Image fallback" not in everything


def test_every_passage_stands_in_the_paragraphs_it_cites_by_an_independent_reading(tmp_path):
    """odfpy walks the same file by the documented rule; each passage's text must stand in the paragraphs cited."""
    from .test_office import assert_stand_in_cited, odt_paragraphs

    path = make_odt(tmp_path / "all.odt", "".join([
        box(p("A page box opens the file."), "page"),
        p("The anchor paragraph.", box(p("Box one words.") + p("Box two words.", box(p("Deep box words."))))),
        p("", box(p("A box in an empty paragraph."), "as-char")),
        p("The body goes on."),
    ]))
    assert_stand_in_cited(chunk_odt(path, "notes/all.odt")[0], odt_paragraphs(path), "paragraph")
