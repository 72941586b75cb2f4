"""PowerPoint, Word and OpenDocument readers: every passage stands in the slides or paragraphs it cites.

The re-readers here walk each file by the numbering contract on their own (not through the readers'
helpers), so a reader that numbers a merged cell twice, counts an empty paragraph or indexes a footer
fails these tests.
"""
from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

import pytest

from ingest.files import NoteFile, load
from ingest.odt import chunk_odt
from ingest.records import IngestError, normalize
from ingest.slides import chunk_pptx
from ingest.word import chunk_docx
from tests.conftest import SHARED

PEERS = SHARED / "peer-files-2"
needs_peers = pytest.mark.skipif(not PEERS.exists(), reason="peer files not available")
OLE = bytes.fromhex("D0CF11E0A1B11AE1")


# -- independent re-readers ------------------------------------------------------------------------
def _xml(data: bytes):
    from lxml import etree

    return etree.fromstring(data)


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """rId -> (relationship type's last word, target part) of one part of an Office package."""
    folder, name = part.rsplit("/", 1)
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in z.namelist():
        return {}
    return {r.get("Id"): (r.get("Type").rsplit("/", 1)[-1], posixpath.normpath(posixpath.join(folder, r.get("Target"))))
            for r in _xml(z.read(rels))}


def slide_texts(path: Path) -> list[str]:
    """Each slide's text by the contract: its a:p paragraphs in XML order, then its notes' body paragraphs."""
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def paras(el) -> list[str]:
        return ["".join(t.text or "" for t in para.iter(f"{{{a}}}t")) for para in el.iter(f"{{{a}}}p")
                if not para.xpath("ancestor::*[local-name()='AlternateContent']")]

    texts = []
    with zipfile.ZipFile(path) as z:
        rels = _rels(z, "ppt/presentation.xml")
        for sld in _xml(z.read("ppt/presentation.xml")).iter(f"{{{p}}}sldId"):
            part = rels.get(sld.get(f"{{{r}}}id"), ("", ""))[1]
            try:
                slide = _xml(z.read(part))
            except Exception:
                texts.append("")  # a broken slide: nothing may be cited from it
                continue
            text = paras(slide)
            for kind, notes in _rels(z, part).values():
                if kind == "notesSlide":
                    for sp in _xml(z.read(notes)).iter(f"{{{p}}}sp"):
                        if sp.xpath("p:nvSpPr/p:nvPr/p:ph[@type='body']", namespaces={"p": p}):
                            text += paras(sp)
            texts.append(" ".join(text))
    return texts


def docx_paragraphs(path: Path) -> list[str]:
    """Word paragraphs by the contract: every w:p under the body in document order (tables, nested tables,
    content controls and text boxes included), a fallback copy or moved-away text not read, empty ones skipped."""
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
          "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
    with zipfile.ZipFile(path) as z:
        body = _xml(z.read("word/document.xml")).find("w:body", ns)
    gone = "ancestor::mc:Fallback or ancestor::w:moveFrom"

    def text(para) -> str:  # its own text: not that of a text box (a paragraph inside it)
        parts = para.xpath(f".//*[self::w:t or self::w:tab or self::w:br][not({gone})]", namespaces=ns)
        return "".join((e.text or "") if e.tag.endswith("}t") else " " for e in parts
                       if next(e.iterancestors(f"{{{ns['w']}}}p")) is para)

    paras = body.xpath(f".//w:p[not({gone})]", namespaces=ns)
    return [t for t in map(text, paras) if t.strip()]


def odt_paragraphs(path: Path) -> list[str]:
    """OpenDocument paragraphs by the reader's documented rule, walked with odfpy."""
    from odf.namespaces import DRAWNS, OFFICENS, TABLENS, TEXTNS
    from odf.opendocument import load as load_odt

    skip = {(TEXTNS, "note"), (OFFICENS, "annotation"), (TEXTNS, "tracked-changes"), (TABLENS, "covered-table-cell")}

    def hidden(node) -> bool:
        return node.qname in skip or node.qname[0] == DRAWNS

    def text(node) -> str:
        out = []
        for child in node.childNodes:
            if child.nodeType == child.TEXT_NODE:
                out.append(child.data)
            elif hidden(child):
                continue
            elif child.qname in ((TEXTNS, "s"), (TEXTNS, "tab"), (TEXTNS, "line-break")):
                out.append(" ")
            else:
                out.append(text(child))
        return "".join(out)

    found: list[str] = []

    def walk(node) -> None:
        for child in node.childNodes:
            if child.nodeType != child.ELEMENT_NODE or child.qname in skip or child.qname == (DRAWNS, "image"):
                continue
            if child.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                if text(child).strip():
                    found.append(text(child))
                boxes(child)
            else:
                walk(child)  # a frame or text box standing in the body is read where it stands

    def boxes(node) -> None:
        """Text boxes and shapes anchored in a paragraph: their paragraphs come right after it."""
        for child in node.childNodes:
            if child.nodeType == child.ELEMENT_NODE and child.qname not in skip:
                walk(child) if child.qname[0] == DRAWNS else boxes(child)

    walk(load_odt(str(path)).text)
    return found


def assert_stand_in_cited(chunks, units: list[str], unit: str) -> None:
    assert chunks
    for c in chunks:
        assert c.unit == unit and 1 <= c.first <= c.last <= len(units), c.citation
        if unit == "slide":
            assert c.first == c.last  # a slide is read on its own
        cited = normalize(" ".join(units[c.first - 1 : c.last]))
        assert normalize(c.text) in cited, (c.citation, c.text)


# -- generated files ---------------------------------------------------------------------------------
def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    s1 = prs.slides.add_slide(prs.slide_layouts[1])
    s1.shapes.title.text = "Cell biology"
    s1.placeholders[1].text_frame.text = "Cells are the unit of life."
    s1.placeholders[1].text_frame.add_paragraph().text = "Membranes control what enters."
    s1.notes_slide.notes_text_frame.text = "Tell the class about the ribosome factory analogy."
    s2 = prs.slides.add_slide(prs.slide_layouts[1])
    s2.shapes.title.text = "Backup slide"
    s2.placeholders[1].text_frame.text = "Hidden slides still keep their number."
    s2._element.set("show", "0")
    prs.slides.add_slide(prs.slide_layouts[6])  # slide 3: blank, counted, nothing to index
    s4 = prs.slides.add_slide(prs.slide_layouts[5])
    s4.shapes.title.text = "Organelles"
    group = s4.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1)).text_frame.text = "Grouped caption one."
    group.shapes.add_textbox(Inches(1), Inches(2), Inches(3), Inches(1)).text_frame.text = "Grouped caption two."
    table = s4.shapes.add_table(3, 3, Inches(1), Inches(3), Inches(6), Inches(2)).table
    for c, name in enumerate(["Organelle", "Role", "Found in"]):
        table.cell(0, c).text = name
    table.cell(1, 0).text, table.cell(1, 1).text, table.cell(1, 2).text = "Mitochondrion", "makes ATP", "animals and plants"
    table.cell(2, 0).merge(table.cell(2, 1))
    table.cell(2, 0).text, table.cell(2, 2).text = "Chloroplast photosynthesis", "plants"
    s4.notes_slide.notes_text_frame.text = "Ask which organelle has its own DNA."
    prs.save(str(path))
    return path


def _textbox_run(text: str):
    from docx.oxml import parse_xml

    return parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:v="urn:schemas-microsoft-com:vml">'
        f'<w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>'
        "</v:textbox></v:shape></w:pict></w:r>")


def make_docx(path: Path) -> Path:
    """Paragraph numbers by hand: 1 title, 2 heading, 3 text, (empty), (an empty paragraph anchoring) 4 a text
    box, 5-6 list, table 7-8 (merged cell once) 9-11 12-15 (a cell of two paragraphs), 16 heading, 17 text,
    18 its text box."""
    import docx

    doc = docx.Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "Running header words"
    section.footer.paragraphs[0].text = "Page footer words"
    doc.add_paragraph("Study Guide", style="Title")
    doc.add_heading("Photosynthesis", level=1)
    doc.add_paragraph("Chlorophyll absorbs red and blue light.")
    doc.add_paragraph("   ")
    doc.add_paragraph()._p.append(_textbox_run("Floating box words"))
    doc.add_paragraph("Light reactions happen in the thylakoid.", style="List Bullet")
    doc.add_paragraph("The Calvin cycle fixes carbon.", style="List Bullet")
    table = doc.add_table(rows=3, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Stage"
    table.cell(0, 2).text = "Where"
    for c, text in enumerate(["Light", "needs sunlight", "thylakoid membrane"]):
        table.cell(1, c).text = text
    table.cell(2, 0).text = "Dark"
    table.cell(2, 1).text = "uses ATP"
    table.cell(2, 1).add_paragraph("and NADPH")
    table.cell(2, 2).text = "stroma"
    doc.add_heading("Respiration", level=1)
    para = doc.add_paragraph("Mitochondria turn glucose into ATP.")
    para._p.append(_textbox_run("Sidebar box words"))
    doc.add_comment(para.runs[0], text="Reviewer remark words", author="T")
    doc.save(str(path))
    return path


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _paras_xml(*texts: str) -> str:
    return "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in texts)


def _fill(cell, texts: list[list[str]]):
    """A table nested in ``cell`` (after its first, empty paragraph), ``texts`` row by row."""
    inner = cell.add_table(rows=len(texts), cols=len(texts[0]))
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            inner.cell(r, c).text = text
    return inner


def make_nested_docx(path: Path) -> Path:
    """Paragraph numbers by hand: 1-2 a table of contents control, 3 heading; a table: 4-6 header row, 7 "Pepsin",
    nested 8-9 and 10-11, 12 "2.0", 13-15 last row; 16 text; a content control 17-18; a one-column box: 19 its
    caption, nested 20-21 and 22-23; 24 text, 25 its text box (the fallback copy not read)."""
    import docx
    from docx.oxml import parse_xml

    doc = docx.Document()
    sect = doc.element.body.sectPr
    sect.addprevious(parse_xml(
        f'<w:sdt {_W}><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj></w:sdtPr>'
        f'<w:sdtContent>{_paras_xml("Enzymes 1", "Catalase 2")}</w:sdtContent></w:sdt>'))
    doc.add_heading("Enzymes", level=1)
    table = doc.add_table(rows=3, cols=3)
    for c, text in enumerate(["Enzyme", "Kinetics", "Optimum pH"]):
        table.cell(0, c).text = text
    table.cell(1, 0).text = "Pepsin"
    _fill(table.cell(1, 1), [["Km", "Vmax"], ["g&t ratio", "4 mM"]])
    table.cell(1, 2).text = "2.0"
    for c, text in enumerate(["Amylase", "fast", "7.0"]):
        table.cell(2, c).text = text
    doc.add_paragraph("Enzymes are proteins that speed up reactions.")
    sect.addprevious(parse_xml(f'<w:sdt {_W}><w:sdtPr/><w:sdtContent>'
                               f'{_paras_xml("Control first words", "Control second words")}</w:sdtContent></w:sdt>'))
    box = doc.add_table(rows=1, cols=1).cell(0, 0)
    box.paragraphs[0].text = "Figure 3 data"
    _fill(box, [["Substrate", "Product"], ["Starch", "Maltose"]])
    para = doc.add_paragraph("Catalase splits hydrogen peroxide.")
    inner = _paras_xml("Boxed tip words")
    para._p.append(parse_xml(
        f'<w:r {_W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml">'
        f'<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>{inner}'
        '</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>'
        f'<w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    doc.save(str(path))
    return path


def make_odt(path: Path) -> Path:
    """Paragraph numbers by hand: 1 title, 2 heading, 3 text (its footnote left out), (empty), 4-5 list
    items, table 6-9 and 10-13, 14 heading, 15 text."""
    from odf.opendocument import OpenDocumentText
    from odf.style import Style
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, Note, NoteBody, NoteCitation, P, S

    doc = OpenDocumentText()
    title = Style(name="Title", family="paragraph")
    doc.styles.addElement(title)
    body = doc.text
    body.addElement(P(stylename=title, text="Biology Notes"))
    body.addElement(H(outlinelevel=1, text="Genetics"))
    para = P(text="DNA stores the genetic code.")
    note = Note(noteclass="footnote", id="n1")
    note.addElement(NoteCitation(text="1"))
    body_of_note = NoteBody()
    body_of_note.addElement(P(text="Footnote words elsewhere"))
    note.addElement(body_of_note)
    para.addElement(note)
    body.addElement(para)
    body.addElement(P(text=""))
    items = List()
    for text in ("Genes code for proteins.", "Alleles are gene variants."):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    body.addElement(items)
    table = Table(name="T")
    table.addElement(TableColumn(numbercolumnsrepeated=4))
    for row_texts in (["Base", "Pairs with", "Ring", "Group"], ["Adenine", "Thymine", "double", "purine"]):
        row = TableRow()
        for text in row_texts:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    body.addElement(table)
    body.addElement(H(outlinelevel=2, text="Mutations"))
    spaced = P(text="A point mutation")
    spaced.addElement(S(c=3))
    spaced.addText("changes one base.")
    body.addElement(spaced)
    doc.save(str(path))
    return path


# -- (a) passages stand in what they cite ---------------------------------------------------------
@needs_peers
@pytest.mark.parametrize("name", sorted(p.name for p in PEERS.glob("*.pptx")) if PEERS.exists() else [])
def test_peer_decks_cite_their_slides(name):
    chunks, _ = chunk_pptx(PEERS / name, f"notes/{name}")
    assert_stand_in_cited(chunks, slide_texts(PEERS / name), "slide")


@needs_peers
@pytest.mark.parametrize("name", sorted(p.name for p in PEERS.glob("*.docx")) if PEERS.exists() else [])
def test_peer_word_files_cite_their_paragraphs(name):
    chunks, warnings = chunk_docx(PEERS / name, f"notes/{name}")
    assert_stand_in_cited(chunks, docx_paragraphs(PEERS / name), "paragraph")
    assert not warnings


@needs_peers
def test_peer_odt_cites_its_paragraphs():
    chunks, _ = chunk_odt(PEERS / "fake.odt", "notes/fake.odt")
    assert_stand_in_cited(chunks, odt_paragraphs(PEERS / "fake.odt"), "paragraph")
    assert any("Color" in c.text and "Green" in c.text for c in chunks)


def test_generated_files_cite_what_they_hold(tmp_path):
    deck, word, odt = make_pptx(tmp_path / "d.pptx"), make_docx(tmp_path / "w.docx"), make_odt(tmp_path / "o.odt")
    assert_stand_in_cited(chunk_pptx(deck, "notes/d.pptx")[0], slide_texts(deck), "slide")
    assert_stand_in_cited(chunk_docx(word, "notes/w.docx")[0], docx_paragraphs(word), "paragraph")
    assert_stand_in_cited(chunk_odt(odt, "notes/o.odt")[0], odt_paragraphs(odt), "paragraph")


# -- (b) the numbering itself ---------------------------------------------------------------------
def _cited(chunks, sentence: str) -> str:
    """The citation of the unit (line of the passage) holding ``sentence``."""
    for c in chunks:
        for i, line in enumerate(c.text.split("\n")):
            if sentence in line:
                n = c.line_of(i) if c.unit != "slide" else c.first
                assert c.first <= n <= c.last
                return c.cite(n, n)
    raise AssertionError(f"{sentence!r} not indexed")


def test_word_paragraph_numbers_follow_the_contract(tmp_path):
    chunks, _ = chunk_docx(make_docx(tmp_path / "w.docx"), "notes/w.docx")
    assert _cited(chunks, "Chlorophyll absorbs") == "notes/w.docx, ¶ 3"
    assert _cited(chunks, "Floating box words") == "notes/w.docx, ¶ 4"
    assert _cited(chunks, "The Calvin cycle") == "notes/w.docx, ¶ 6"
    assert _cited(chunks, "Mitochondria turn glucose into ATP.") == "notes/w.docx, ¶ 17"
    assert _cited(chunks, "Sidebar box words") == "notes/w.docx, ¶ 18"  # a text box follows its paragraph
    row = next(c for c in chunks if "Dark" in c.text)
    assert "Dark | uses ATP and NADPH | stroma" in row.text and row.last >= 15  # a row cites its last paragraph
    assert "Stage: Light" in row.index_text and "Where: thylakoid membrane" in row.index_text
    assert all(c.heading.startswith("Study Guide") for c in chunks if "Mitochondria" in c.text)
    assert any(c.heading == "Study Guide > Respiration" for c in chunks)


def test_odt_paragraph_numbers_follow_the_documented_rule(tmp_path):
    chunks, _ = chunk_odt(make_odt(tmp_path / "o.odt"), "notes/o.odt")
    assert _cited(chunks, "DNA stores the genetic code.") == "notes/o.odt, ¶ 3"
    assert _cited(chunks, "Alleles are gene variants.") == "notes/o.odt, ¶ 5"
    assert _cited(chunks, "changes one base.") == "notes/o.odt, ¶ 15"
    assert any("Adenine | Thymine | double | purine" in c.text and "Pairs with: Thymine" in c.index_text for c in chunks)
    assert any(c.heading == "Biology Notes > Genetics > Mutations" for c in chunks)
    assert not any("Footnote words" in c.text for c in chunks)


def test_word_nested_tables_are_read_where_their_cell_is(tmp_path):
    path = make_nested_docx(tmp_path / "n.docx")
    chunks, warnings = chunk_docx(path, "notes/n.docx")
    assert not warnings
    assert_stand_in_cited(chunks, docx_paragraphs(path), "paragraph")
    assert "g&t ratio" in " ".join(c.search_text for c in chunks)
    assert _cited(chunks, "Pepsin") == "notes/n.docx, ¶ 7"
    assert _cited(chunks, "Km | Vmax") == "notes/n.docx, ¶ 8"  # the nested table's rows, as rows, in its cell's place
    assert _cited(chunks, "g&t ratio | 4 mM") == "notes/n.docx, ¶ 10"
    assert _cited(chunks, "2.0") == "notes/n.docx, ¶ 12"
    assert _cited(chunks, "Enzymes are proteins") == "notes/n.docx, ¶ 16"  # numbering goes on after it
    index = "\n".join(c.index_text for c in chunks)
    assert "Km: g&t ratio; Vmax: 4 mM" in index  # a nested row is indexed with its own header
    assert "Enzyme: Amylase; Kinetics: fast; Optimum pH: 7.0" in index  # the outer table keeps its header
    # a one-column box around a table: the caption, then the table's rows as rows
    assert _cited(chunks, "Figure 3 data") == "notes/n.docx, ¶ 19"
    assert _cited(chunks, "Starch | Maltose") == "notes/n.docx, ¶ 22" and "Substrate: Starch; Product: Maltose" in index


def test_word_content_controls_and_text_boxes_are_read_once(tmp_path):
    chunks, _ = chunk_docx(make_nested_docx(tmp_path / "n.docx"), "notes/n.docx")
    assert _cited(chunks, "Control first words") == "notes/n.docx, ¶ 17"
    assert _cited(chunks, "Control second words") == "notes/n.docx, ¶ 18"
    assert _cited(chunks, "Catalase splits") == "notes/n.docx, ¶ 24"
    assert _cited(chunks, "Boxed tip words") == "notes/n.docx, ¶ 25"
    assert " ".join(c.text for c in chunks).count("Boxed tip words") == 1  # mc:Fallback repeats it: not read
    toc = [c for c in chunks if "Catalase 2" in c.text]
    assert [c.kind for c in toc] == ["nav"] and toc[0].first == 1  # a table of contents ranks as navigation
    assert all(c.kind != "nav" for c in chunks if "Catalase splits" in c.text)
    assert {c.heading for c in chunks if "Pepsin" in c.text} == {"Enzymes"}  # the contents list opens no section


def test_odt_nested_tables_are_read_as_rows_where_their_cell_is(tmp_path):
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    def table(rows, name):
        t = Table(name=name)
        t.addElement(TableColumn(numbercolumnsrepeated=len(rows[0])))
        for texts in rows:
            row = TableRow()
            for text in texts:
                cell = TableCell()
                if isinstance(text, list):
                    cell.addElement(table(text, name + "n"))
                else:
                    cell.addElement(P(text=text))
                row.addElement(cell)
            t.addElement(row)
        return t

    doc = OpenDocumentText()
    doc.text.addElement(P(text="Enzymes"))
    doc.text.addElement(table([["Enzyme", "Kinetics", "Optimum pH"],
                               ["Pepsin", [["Km", "Vmax"], ["g&t ratio", "4 mM"]], "2.0"],
                               ["Amylase", "fast", "7.0"]], "T"))
    doc.text.addElement(P(text="Enzymes are proteins."))
    doc.save(str(tmp_path / "n.odt"))
    chunks, _ = chunk_odt(tmp_path / "n.odt", "notes/n.odt")
    assert_stand_in_cited(chunks, odt_paragraphs(tmp_path / "n.odt"), "paragraph")
    assert _cited(chunks, "Km | Vmax") == "notes/n.odt, ¶ 6"
    assert _cited(chunks, "g&t ratio | 4 mM") == "notes/n.odt, ¶ 8"
    assert _cited(chunks, "Enzymes are proteins.") == "notes/n.odt, ¶ 14"
    index = "\n".join(c.index_text for c in chunks)
    assert "Km: g&t ratio; Vmax: 4 mM" in index and "Enzyme: Amylase; Kinetics: fast; Optimum pH: 7.0" in index


@needs_peers
def test_peer_nested_table_cells_are_read():
    chunks, _ = chunk_docx(PEERS / "docx-tables.docx", "notes/t.docx")
    assert "g&t" in " ".join(c.search_text for c in chunks)
    # the cell's own paragraph, its nested table's rows, the next cell: in document order, where the cell is
    assert "a | >b< | c\nd\ne | f\ng&t | h\ni\nj | k | l" in "\n".join(c.text for c in chunks)
    assert _cited(chunks, "e | f") == "notes/t.docx, ¶ 11"
    assert _cited(chunks, "g&t | h") == "notes/t.docx, ¶ 13"
    assert _cited(chunks, "j | k | l") == "notes/t.docx, ¶ 16"
    assert "e: g&t; f: h" in "\n".join(c.index_text for c in chunks)


def test_slides_are_numbered_in_order_hidden_and_blank_ones_included(tmp_path):
    chunks, warnings = chunk_pptx(make_pptx(tmp_path / "d.pptx"), "notes/d.pptx")
    assert not warnings
    assert _cited(chunks, "Hidden slides still keep their number.") == "notes/d.pptx, slide 2"
    assert _cited(chunks, "Grouped caption two.") == "notes/d.pptx, slide 4"
    assert {c.heading for c in chunks if c.first == 4} == {"Organelles"}
    assert not any(c.first == 3 for c in chunks)


# -- (c) notes and tables are indexed, headers and footers are not -----------------------------------
def test_speaker_notes_and_table_cells_are_indexed(tmp_path):
    chunks, _ = chunk_pptx(make_pptx(tmp_path / "d.pptx"), "notes/d.pptx")
    assert _cited(chunks, "ribosome factory analogy") == "notes/d.pptx, slide 1"
    assert _cited(chunks, "Ask which organelle has its own DNA.") == "notes/d.pptx, slide 4"
    row = next(c for c in chunks if "Mitochondrion | makes ATP" in c.text)
    assert "Organelle: Mitochondrion; Role: makes ATP; Found in: animals and plants" in row.index_text
    assert "Chloroplast photosynthesis | plants" in row.text  # a merged cell once


def test_word_headers_footers_and_comments_are_not_indexed_text_boxes_are(tmp_path):
    chunks, _ = chunk_docx(make_docx(tmp_path / "w.docx"), "notes/w.docx")
    text = normalize(" ".join(c.search_text for c in chunks))
    for hidden in ("Running header words", "Page footer words", "Reviewer remark"):
        assert normalize(hidden) not in text
    for shown in ("Floating box words", "Sidebar box words"):
        assert normalize(shown) in text


@needs_peers
def test_peer_header_and_footer_text_is_not_indexed():
    chunks, _ = chunk_docx(PEERS / "docx-hdrftr.docx", "notes/docx-hdrftr.docx")
    text = normalize(" ".join(c.search_text for c in chunks))
    assert "main document" in text
    for hidden in ("First header para", "Last header para", "Table cell1", "I should not be included", "para1"):
        assert normalize(hidden) not in text


@needs_peers
def test_peer_table_rows_are_read_with_their_header():
    chunks, _ = chunk_pptx(PEERS / "fake-power-point-table.pptx", "notes/t.pptx")
    assert any("Column 1: Tangerine" in c.index_text for c in chunks)
    chunks, _ = chunk_docx(PEERS / "docx-tables.docx", "notes/t.docx")
    assert any("Header Col 1: Lorem ipsum" in c.index_text for c in chunks)


# -- (d) a damaged deck indexes what it can ---------------------------------------------------------
@needs_peers
def test_peer_malformed_deck_is_indexed():
    result = load(NoteFile(PEERS / "fake-power-point-malformed.pptx", "notes/m.pptx"))
    assert result.error is None and any(c.heading == "Test Slide" for c in result.chunks)
    assert not any("Date Placeholder" in c.search_text for c in result.chunks)  # the deck's date field is no text


def test_a_decks_date_footer_and_slide_number_are_not_indexed(tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Photosynthesis"
    slide.placeholders[1].text = "Chlorophyll absorbs red and blue light to split water."
    for idx, kind in ((10, "dt"), (11, "ftr"), (12, "sldNum")):  # what a layout's date, footer, number look like
        shape = slide.shapes.add_textbox(Inches(1), Inches(6), Inches(3), Inches(0.5))
        nv = shape._element.nvSpPr.nvPr
        ph = nv.makeelement("{http://schemas.openxmlformats.org/presentationml/2006/main}ph", {"type": kind, "idx": str(idx)})
        nv.append(ph)
        shape.text = {"dt": "12 March 2024", "ftr": "Biology 101 - Unit 3", "sldNum": "7"}[kind]
    path = tmp_path / "deck.pptx"
    prs.save(path)
    chunks, _ = chunk_pptx(path, "notes/deck.pptx")
    text = "\n".join(c.search_text for c in chunks)
    assert "Chlorophyll absorbs red and blue light" in text
    assert "12 March 2024" not in text and "Biology 101" not in text


def _damaged(good: Path, dest: Path, part: str, data: bytes | None) -> Path:
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            if name != part:
                out.writestr(name, src.read(name))
            elif data is not None:
                out.writestr(name, data)
    return dest


@pytest.mark.parametrize("data", [b"<<< not xml", b'<?xml version="1.0"?><other/>', None], ids=["garbage", "wrong-root", "missing"])
def test_a_damaged_slide_is_skipped_with_a_warning(tmp_path, data):
    good = make_pptx(tmp_path / "good.pptx")
    with zipfile.ZipFile(good) as z:
        target = _rels(z, "ppt/presentation.xml")
        order = [target[s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")][1]
                 for s in _xml(z.read("ppt/presentation.xml")).iter("{*}sldId")]
    bad = _damaged(good, tmp_path / "bad.pptx", order[3], data)  # slide 4
    result = load(NoteFile(bad, "notes/bad.pptx"))
    assert result.error is None
    assert {c.first for c in result.chunks} == {1, 2}
    assert len(result.warnings) == 1 and result.warnings[0].startswith("slide 4: could not be read (")
    assert "\n" not in result.warnings[0]


# -- (e) unreadable files: one line that says what to do ---------------------------------------------
@pytest.mark.parametrize("suffix", [".pptx", ".docx", ".odt"])
@pytest.mark.parametrize("content", [bytes(range(256)) * 8, OLE + bytes(504)], ids=["random", "ole"])
def test_unreadable_files_fail_with_one_line_saying_what_to_do(tmp_path, suffix, content):
    path = tmp_path / f"x{suffix}"
    path.write_bytes(content)
    result = load(NoteFile(path, f"notes/x{suffix}"))
    assert result.error and "\n" not in result.error and "Traceback" not in result.error
    assert not result.chunks
    if content.startswith(OLE):
        assert "password-protected" in result.error and "save an unprotected" in result.error
    else:
        assert "not a readable" in result.error and "re-save it in" in result.error


def test_damaged_package_parts_fail_with_one_line(tmp_path):
    word = _damaged(make_docx(tmp_path / "w.docx"), tmp_path / "bad.docx", "word/document.xml", b"<w:document")
    error = load(NoteFile(word, "notes/bad.docx")).error
    assert error.startswith("not a readable Word file (") and "re-save it in Word or LibreOffice" in error
    odt = _damaged(make_odt(tmp_path / "o.odt"), tmp_path / "bad.odt", "content.xml", None)
    assert "not a readable OpenDocument text file" in load(NoteFile(odt, "notes/bad.odt")).error
    deck = _damaged(make_pptx(tmp_path / "d.pptx"), tmp_path / "bad.pptx", "ppt/presentation.xml", b"<<<")
    assert load(NoteFile(deck, "notes/bad.pptx")).error.startswith("not a readable PowerPoint file (")
    with pytest.raises(IngestError):
        chunk_docx(deck, "notes/bad.docx")  # a deck renamed .docx is no Word document either


def test_encrypted_odt_says_to_remove_the_password(tmp_path):
    odt = _damaged(make_odt(tmp_path / "o.odt"), tmp_path / "p.odt", "META-INF/manifest.xml",
                   b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                   b"<manifest:file-entry><manifest:encryption-data/></manifest:file-entry></manifest:manifest>")
    assert "password-protected" in load(NoteFile(odt, "notes/p.odt")).error


def test_word_headings_by_style_and_outline_level(tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    doc = docx.Document()
    custom = doc.styles.add_style("Chapter Head", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = doc.styles["Heading 2"]
    doc.add_heading("Enzymes", level=1)
    doc.add_paragraph("Catalysts", style="Chapter Head")
    doc.add_paragraph("Enzymes lower the activation energy of a reaction.")
    long_heading = doc.add_heading("A whole paragraph typed in a heading style by mistake, " * 4, level=1)
    doc.add_paragraph("Temperature changes the rate of reaction.")
    doc.save(str(tmp_path / "h.docx"))
    chunks, _ = chunk_docx(tmp_path / "h.docx", "notes/h.docx")
    headings = {c.heading for c in chunks if "activation energy" in c.text or "Temperature" in c.text}
    assert headings == {"Enzymes > Catalysts"}  # no Title: Heading n is level n; a long "heading" is text
    assert any(normalize(long_heading.text) in normalize(c.text) for c in chunks)


def test_program_text_in_word_and_opendocument_is_code_ranked_apart_from_prose(tmp_path):
    """Code pasted into a document (a code paragraph style, or every run in a fixed-width font) is a code passage of
    its own, its lines kept, as a Markdown code block is; the prose around it stays prose."""
    import zipfile

    import docx
    from docx.enum.style import WD_STYLE_TYPE

    from tests.test_odt_textboxes import _MANIFEST, _NS

    doc = docx.Document()
    doc.styles.add_style("Source Code", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("Reading the file takes one call to the loader, as below.")
    doc.add_paragraph("frame = load_table('harvest.csv')\nprint(frame.head())", style="Source Code")
    doc.add_paragraph("The loader guesses each column's type from its first rows.")
    doc.add_paragraph().add_run("total = frame['weight'].sum()").font.name = "Consolas"
    doc.save(tmp_path / "c.docx")
    chunks = load(NoteFile(tmp_path / "c.docx", "notes/c.docx")).chunks
    assert [(c.kind, c.citation, c.text) for c in chunks] == [
        ("text", "notes/c.docx, ¶ 1", "Reading the file takes one call to the loader, as below."),
        ("code", "notes/c.docx, ¶ 2", "frame = load_table('harvest.csv')\nprint(frame.head())"),
        ("text", "notes/c.docx, ¶ 3", "The loader guesses each column's type from its first rows."),
        ("code", "notes/c.docx, ¶ 4", "total = frame['weight'].sum()")]

    xmlns = " ".join(f'xmlns:{k}="{v}"' for k, v in _NS.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {xmlns} office:version="1.2">'
               '<office:automatic-styles><style:style style:name="P7" style:family="paragraph" '
               'style:parent-style-name="Preformatted_20_Text"/></office:automatic-styles><office:body><office:text>'
               '<text:p>Reading the file takes one call to the loader, as below.</text:p>'
               '<text:p text:style-name="P7">frame = load_table(\'harvest.csv\')</text:p>'
               '<text:p text:style-name="P7">print(frame.head())</text:p>'
               '<text:p>The loader guesses each column\'s type from its first rows.</text:p>'
               '</office:text></office:body></office:document-content>')
    with zipfile.ZipFile(tmp_path / "c.odt", "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", _MANIFEST)
    chunks = load(NoteFile(tmp_path / "c.odt", "notes/c.odt")).chunks
    assert [(c.kind, c.citation) for c in chunks if c.kind == "code"] == [("code", "notes/c.odt, ¶ 2-3")]
    assert [c.text for c in chunks if c.kind == "code"] == ["frame = load_table('harvest.csv')\nprint(frame.head())"]


def test_a_short_bold_paragraph_in_word_is_a_sub_heading_as_in_markdown(tmp_path):
    """Students head a part of their notes with a bold line: a short one that is no sentence opens a section under
    the current heading; a bold sentence is text."""
    import docx

    doc = docx.Document()
    doc.add_heading("Queues", level=1)
    doc.add_paragraph().add_run("Long polling").bold = True
    doc.add_paragraph("Waiting for messages cuts the number of empty responses and API calls.")
    doc.add_paragraph().add_run("Always delete a message after you process it.").bold = True
    doc.add_paragraph("Otherwise it comes back when its visibility timeout ends.")
    for term in ("Visibility timeout", "Dead-letter queue"):  # a bold term of a list stays an item of it
        doc.add_paragraph(style="List Bullet").add_run(term).bold = True
    doc.save(tmp_path / "q.docx")
    chunks = load(NoteFile(tmp_path / "q.docx", "notes/q.docx")).chunks
    assert [c.heading for c in chunks] == ["Queues > Long polling"]
    assert "Always delete a message after you process it." in chunks[0].text
    assert "Visibility timeout" in chunks[0].text and "Dead-letter queue" in chunks[0].text
    assert not chunks[0].text.startswith("Long polling")
