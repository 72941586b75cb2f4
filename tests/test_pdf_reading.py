"""What a PDF page says, as a student searches it: ligatures as letters, filled form values, headings from
bookmarks where they stand, and a garbled OCR text layer replaced by a fresh reading of the scan."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ingest import NoteFile, load, normalize
from tests.conftest import SHARED, raw_pdf

PEERS, PEERS_2 = SHARED / "peer-files", SHARED / "peer-files-2"
needs = {name: pytest.mark.skipif(not (folder / name).exists(), reason=f"../shared/{folder.name}/{name} not present")
         for folder, name in [(PEERS, "file_multicolumn.pdf"), (PEERS, "pdf_with_forms.pdf"),
                              (PEERS, "vicksburg-multipage.pdf"), (PEERS_2, "DA-1p.pdf"),
                              (PEERS_2, "pdf-with-ocr-text.pdf")]}


def _load(path: Path):
    return load(NoteFile(path, f"notes/{path.name}"))


def _text(result) -> str:
    return "\n".join(c.text for c in result.chunks)


def _escape(line: str) -> bytes:
    return line.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _pdf(path: Path, pages: list[list[bytes]], font: bytes = b"", extra: list[bytes] | None = None,
         annots: list[str] | None = None, catalog: bytes = b"", page_extra: str = "") -> Path:
    """A PDF of text pages; each page a list of content-stream operator lines (positions are the test's)."""
    extra = extra or []
    n = len(pages)
    first = 4 + len(extra)  # 1 catalog, 2 pages, 3 font, then ``extra`` objects, then page + content pairs
    kids = " ".join(f"{first + 2 * i} 0 R" for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
               f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica " + font + b">>", *extra]
    for i, ops in enumerate(pages):
        stream = b"\n".join(ops)
        annot = f" /Annots [{annots[i]}]" if annots and annots[i] else ""
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
                       f" /Contents {first + 2 * i + 1} 0 R{annot} {page_extra}>>".encode())
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    return raw_pdf(path, objects)


def _lines(*lines: str, top: int = 720) -> list[bytes]:
    """Content-stream lines that set each text line at its own baseline, 20 points apart."""
    return [b"BT /F1 11 Tf 72 %d Td (" % (top - 20 * i) + _escape(line) + b") Tj ET" for i, line in enumerate(lines)]


# --- 1. ligatures --------------------------------------------------------------------------------------------

def test_ligature_characters_become_their_letters(tmp_path):
    # Bytes 128-134 drawn with the ligature glyphs a typesetter uses: the text layer holds U+FB00-FB06.
    font = b"/Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128 /ff /fi /fl /ffi /ffl] >> "
    stream = [b"BT /F1 12 Tf 72 720 Td (The O\203cial form was \201lled in, and \202ows to sta\200 in the ba\204ed o\203ce.) Tj ET"]
    result = _load(_pdf(tmp_path / "typeset.pdf", [stream], font=font))
    assert result.error is None
    assert "The Official form was filled in, and flows to staff in the baffled office." in _text(result)
    assert not any("\ufb00" <= ch <= "\ufb06" for ch in _text(result))


@needs["file_multicolumn.pdf"]
def test_a_real_typeset_pdf_is_found_by_plain_letters():
    text = _text(_load(PEERS / "file_multicolumn.pdf"))
    assert "Official Language" in text and "filled" in text
    assert "ﬁ" not in text and "ﬃ" not in text


# --- 2. filled form fields -----------------------------------------------------------------------------------

def _widget(rect: str, fields: str) -> bytes:
    return f"<< /Type /Annot /Subtype /Widget /Rect [{rect}] {fields} >>".encode()


def test_filled_form_values_stand_next_to_their_labels(tmp_path):
    page = [*_lines("Membership form", "Please fill in every field.", "Given name:", "Height (cm):", "Favourite colour:"),
            b"BT /F1 11 Tf 72 620 Td (I speak:) Tj ET", b"BT /F1 11 Tf 145 620 Td (English) Tj ET",
            b"BT /F1 11 Tf 215 620 Td (French) Tj ET"]
    widgets = [_widget("170 676 300 690", "/FT /Tx /T (Given) /V ()"),  # empty: adds nothing
               _widget("170 656 250 670", "/FT /Tx /T (Height Box) /V (150)"),
               _widget("170 636 300 650", "/FT /Ch /T (Colour List) /Opt [(Red) (Green)] /V (Green)"),
               _widget("130 618 140 628", "/FT /Btn /T (Lang 1) /V /Off /AS /Off"),  # unticked
               _widget("200 618 210 628", "/FT /Btn /T (Lang 2) /V /Yes /AS /Yes"),
               _widget("400 100 500 115", "/FT /Tx /T (Reviewer) /V (Dr Okafor)")]  # no text beside it
    refs = " ".join(f"{4 + i} 0 R" for i in range(len(widgets)))
    path = _pdf(tmp_path / "form.pdf", [page], extra=widgets, annots=[refs],
                catalog=f"/AcroForm << /Fields [{refs}] >> ".encode())
    result = _load(path)
    assert result.error is None
    lines = _text(result).splitlines()
    assert "Height (cm): 150" in lines and "Favourite colour: Green" in lines
    assert "Given name:" in lines  # the empty field left the label alone
    assert "I speak: English [x] French" in lines  # the ticked box stands before the label on its right
    assert lines[-1] == "Reviewer: Dr Okafor"  # no label found: name and value at the end of the page


@needs["pdf_with_forms.pdf"]
def test_a_real_filled_form_keeps_its_values():
    lines = _text(_load(PEERS / "pdf_with_forms.pdf")).splitlines()
    for line in ["Gender: Man", "Height (cm): 150", "Favourite colour: Red", "Deutsch [x] English Français Esperanto Latin"]:
        assert line in lines, line
    assert "Given Name:" in lines  # empty in the file


def test_one_bad_widget_loses_no_value_and_numbers_and_names_read_as_written(tmp_path):
    page = _lines("Age:", "Weight (kg):", "Consent:", "Osmosis moves water across a membrane.")
    widgets = [_widget("170 716 250 730", "/FT /Tx /T (Age) /V 42"),  # a number, not a string
               _widget("170 696 250 710", "/FT /Tx /T (Weight) /V 61.5"),
               _widget("170 676 250 690", "/FT /Ch /T (Consent) /V /Yes"),  # a name: /Yes
               b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (Reviewer) /V (Dr Okafor) >>"]  # no /Rect at all
    refs = " ".join(f"{4 + i} 0 R" for i in range(len(widgets)))
    result = _load(_pdf(tmp_path / "odd-form.pdf", [page], extra=widgets, annots=[refs]))
    lines = _text(result).splitlines()
    assert "Age: 42" in lines and "Weight (kg): 61.5" in lines and "Consent: Yes" in lines
    assert "Reviewer: Dr Okafor" in lines  # cannot be placed: listed with its name
    assert "Osmosis moves water across a membrane." in lines


def test_form_values_on_a_rotated_page_stand_next_to_their_labels(tmp_path):
    widgets = [_widget("170 696 250 710", "/FT /Tx /T (Height Box) /V (150)")]
    path = _pdf(tmp_path / "turned.pdf", [_lines("Membership form", "Height (cm):")], extra=widgets, annots=["4 0 R"],
                page_extra="/Rotate 90")
    assert "Height (cm): 150" in _text(_load(path)).splitlines()


def test_a_damaged_form_field_does_not_lose_the_page_text(tmp_path):
    widgets = [_widget("170 656", "/FT /Tx /T (Height Box) /V (150)")]  # a rectangle of two numbers
    path = _pdf(tmp_path / "broken-form.pdf", [_lines("Height (cm):", "Osmosis moves water across a membrane.")],
                extra=widgets, annots=["4 0 R"])
    result = _load(path)
    assert result.error is None and "Osmosis moves water across a membrane." in _text(result)


# --- 3. headings from bookmarks ------------------------------------------------------------------------------

def _outlined(path: Path, pages: list[list[str]], marks: list[tuple]) -> Path:
    """A PDF whose bookmarks are ``marks``: (title, 0-based page, [child marks]) each."""
    flat: list[tuple[str, int, int, list]] = []  # title, page, parent object, children

    def count(items) -> int:
        return sum(1 + count(children) for _, _, children in items)

    first_page = 5 + count(marks)  # 4 is the outline root, then one object per bookmark

    def add(items, parent: int) -> list[int]:
        numbers = []
        for title, page, children in items:
            number = 5 + len(flat)
            flat.append((title, page, parent, []))
            numbers.append(number)
            flat[number - 5] = (title, page, parent, add(children, number))
        return numbers

    top = add(marks, 4)

    def links(numbers: list[int]) -> str:
        return f"/First {numbers[0]} 0 R /Last {numbers[-1]} 0 R /Count {len(numbers)}" if numbers else ""

    siblings: dict[int, list[int]] = {4: top}
    for number, (_, _, _, children) in enumerate(flat, start=5):
        siblings[number] = children
    extra = [f"<< /Type /Outlines {links(top)} >>".encode()]
    for number, (title, page, parent, children) in enumerate(flat, start=5):
        row = siblings[parent]
        at = row.index(number)
        near = (f" /Prev {row[at - 1]} 0 R" if at else "") + (f" /Next {row[at + 1]} 0 R" if at + 1 < len(row) else "")
        extra.append(f"<< /Title ({title}) /Parent {parent} 0 R /Dest [{first_page + 2 * page} 0 R /XYZ 0 792 0]"
                     f"{near} {links(children)} >>".encode())
    return _pdf(path, [_lines(*lines) for lines in pages], extra=extra, catalog=b"/Outlines 4 0 R ")


def _headed(result, words: str) -> str:
    return next(c.heading for c in result.chunks if words in c.text)


def test_several_bookmarks_on_a_page_head_the_text_where_their_titles_stand(tmp_path):
    pages = [["Biology", "Cells", "A cell is the smallest unit of life.", "Osmosis",
              "Water moves across a membrane by osmosis."],
             ["More about osmosis: it needs no energy.", "GENETICS", "Genes are passed from parents to children."]]
    marks = [("Biology", 0, [("Cells", 0, []), ("Osmosis", 0, []), ("Genetics", 1, [])])]
    result = _load(_outlined(tmp_path / "biology.pdf", pages, marks))
    assert result.error is None
    assert _headed(result, "smallest unit of life") == "Biology > Cells"
    assert _headed(result, "Water moves across") == "Biology > Osmosis"
    assert _headed(result, "it needs no energy") == "Biology > Osmosis"  # carried over until the next title stands
    assert _headed(result, "Genes are passed") == "Biology > Genetics"  # the title matched in capitals
    assert [c.page for c in result.chunks] == sorted(c.page for c in result.chunks)  # still cited by page


def test_bookmarks_whose_titles_do_not_stand_on_their_page(tmp_path):
    pages = [["Welcome to the course notes."], ["Chapter 2 begins with tides and currents."],
             ["Waves carry energy across the sea."], ["Storms form over warm water."]]
    marks = [("Introduction", 0, []), ("Oceans", 1, [("Tides", 1, [])]),  # nested bookmarks start together
             ("Waves", 2, []), ("Sand", 2, []),  # two sections on one page, neither title printed
             ("Weather", 3, [])]
    result = _load(_outlined(tmp_path / "oceans.pdf", pages, marks))
    assert _headed(result, "Welcome") == "Introduction"
    assert _headed(result, "tides and currents") == "Oceans > Tides"
    assert _headed(result, "Waves carry energy") == "Oceans > Tides"  # which of the two? neither: the heading before
    assert _headed(result, "Storms form") == "Weather"


def test_a_chapter_whose_titles_are_not_printed_as_bookmarked_is_filed_under_it(tmp_path):
    pages = [["1 Oceans", "Salt water covers most of the planet."],
             ["2 Weather and climate", "Climate is weather averaged over decades.", "2.1 Storms",
              "Storms form over warm water."]]
    marks = [("Chapter 1 Oceans", 0, []), ("Chapter 2 Weather", 1, [("Storm systems", 1, []), ("Rain and snow", 1, [])])]
    result = _load(_outlined(tmp_path / "earth.pdf", pages, marks))
    assert _headed(result, "Salt water") == "Chapter 1 Oceans"
    assert _headed(result, "averaged over decades") == "Chapter 2 Weather"  # not the chapter before
    assert _headed(result, "Storms form") == "Chapter 2 Weather"  # which section? the chapter they share


@needs["DA-1p.pdf"]
def test_a_real_extract_with_a_whole_books_bookmarks_on_one_page():
    result = _load(PEERS_2 / "DA-1p.pdf")
    assert _headed(result, "We arrived in the dead of night") == "Codex DAO > MAIN GAME > CREATURES > Abomination"
    assert _headed(result, "Upon ascending to the second floor") == "Codex DAO > MAIN GAME > CREATURES > Arcane Horror"


# --- 4. a scan whose text layer is garbage -------------------------------------------------------------------

def _scan(tmp_path: Path, layer: list[str], seen: list[str] = (), pages: int = 1) -> Path:
    """A scan of ``pages`` pages (each a page-filling picture of two printed sentences) carrying ``layer`` as its
    invisible text layer (render mode 3, as OCR tools draw it) and ``seen`` as text drawn to be seen."""
    from pypdf import PdfReader, PdfWriter

    from tests.test_ocr import OTHER, SENTENCE, text_picture

    picture = text_picture([SENTENCE, OTHER])
    picture.save(tmp_path / "picture.pdf", "PDF", resolution=150, save_all=True, append_images=[picture] * (pages - 1))
    ops = [b"BT 3 Tr /F1 9 Tf 10 %d Td (" % (80 - 12 * i) + _escape(line) + b") Tj ET" for i, line in enumerate(layer)]
    ops += [b"BT 0 Tr /F1 9 Tf 10 %d Td (" % (20 - 10 * i) + _escape(line) + b") Tj ET" for i, line in enumerate(seen)]
    writer = PdfWriter(clone_from=tmp_path / "picture.pdf")
    for page in writer.pages:
        page.merge_page(PdfReader(_pdf(tmp_path / "layer.pdf", [ops])).pages[0])
    path = tmp_path / "scan.pdf"
    with path.open("wb") as out:
        writer.write(out)
    return path


def _ocr_reads(monkeypatch, lines: list[str]) -> list[int]:
    """OCR stubbed to read ``lines`` off any page; returns the pages it was asked to read, as they come."""
    import ingest.images
    from ingest.pack import flow, pack

    asked: list[int] = []

    def read(page, number, source, heading):
        asked.append(number)
        chunks = pack(flow([(0, line) for line in lines], None), source, heading, page=number)
        return [replace(c, ocr=True) for c in chunks], True

    monkeypatch.setattr(ingest.images, "read_pdf_page", read)
    return asked


# Typed technical text reads little like words (0.45 here): no reason to take it for a garbled OCR layer.
CAPTION = ["Slide 4: deploy via aws s3 sync ./build s3://my-bucket --delete",
           "then CloudFront invalidation (EC2, IAM, DynamoDB);", "Lambda@Edge rewrites /index.html -> /v2/index.html"]
GARBLED = ["Mitochondria re1ea$e energy fr*m g1uc0se during ce11u1ar respiration",  # some words read right
           "Ch1or0p1ast$ capture 1ight en3rgy t0 bu!1d sugars"]


def test_a_scan_whose_text_layer_is_garbage_is_read_again_by_ocr(tmp_path):
    from tests.test_ocr import OTHER, SENTENCE

    path = _scan(tmp_path, ["Mit0ch#ndr1a re1ea$e en3rgy fr*m g1uc0se dur!ng ce11u1ar resp1rat!on",
                            "Ch1or0p1ast$ capt*re 1ight en3rgy t0 bu!1d $ugar$"])
    result = _load(path)
    assert result.error is None and result.chunks and all(c.ocr and c.page == 1 for c in result.chunks)
    text = normalize(_text(result))
    assert normalize(SENTENCE) in text and normalize(OTHER) in text and "g1uc0se" not in _text(result)
    assert any("garbled text layer" in w and "read by OCR" in w for w in result.warnings), result.warnings


def test_a_scan_whose_text_layer_reads_well_keeps_it(tmp_path, monkeypatch):
    import ingest.images
    from tests.test_ocr import OTHER, SENTENCE

    path = _scan(tmp_path, [SENTENCE, OTHER])
    monkeypatch.setattr(ingest.images, "read_pdf_page", lambda *a, **k: pytest.fail("OCR'd a scan with a good layer"))
    result = _load(path)
    assert result.error is None and not any(c.ocr for c in result.chunks)
    assert normalize(SENTENCE) in normalize(_text(result))


def test_a_typed_page_of_codes_is_never_ocrd(tmp_path, monkeypatch):
    import ingest.images
    from tests.conftest import make_pdf

    monkeypatch.setattr(ingest.images, "read_pdf_page", lambda *a, **k: pytest.fail("OCR'd a page without a scan"))
    result = _load(make_pdf(tmp_path / "codes.pdf", ["QX-77/A9 #12 ZZ4 B7k9 R2D2 C3PO x86_64 @home"]))
    assert result.error is None and not any(c.ocr for c in result.chunks)


def test_a_slide_with_a_page_filling_screenshot_keeps_its_typed_caption(tmp_path, monkeypatch):
    import ingest.images

    path = _scan(tmp_path, [], seen=CAPTION)  # the picture fills the page; the caption is drawn to be seen
    monkeypatch.setattr(ingest.images, "read_pdf_page", lambda *a, **k: pytest.fail("OCR'd a typed page"))
    result = _load(path)
    assert result.error is None and not any(c.ocr for c in result.chunks)
    assert "Lambda@Edge rewrites /index.html -> /v2/index.html" in _text(result)


def test_a_garbled_layer_read_again_keeps_the_pages_visible_text(tmp_path, monkeypatch):
    from tests.test_ocr import OTHER, SENTENCE

    _ocr_reads(monkeypatch, [SENTENCE, OTHER])
    result = _load(_scan(tmp_path, GARBLED, seen=["Source: county archive, box 12"]))
    assert normalize(SENTENCE) in normalize(_text(result)) and "g1uc0se" not in _text(result)
    assert [c.text for c in result.chunks if not c.ocr] == ["Source: county archive, box 12"]  # typed: kept
    assert "page 1 had a garbled text layer and was read by OCR instead (a word may be misread)" in result.warnings


def test_ocr_that_reads_other_words_than_the_layer_does_not_replace_it(tmp_path, monkeypatch):
    # An invisible layer of technical text over a screenshot of something else: OCR reads clean words, but not
    # the layer's, so it did not read the same text.
    _ocr_reads(monkeypatch, ["Welcome to the dashboard of my application", "Click settings to change the theme colour"])
    result = _load(_scan(tmp_path, CAPTION))
    assert not any(c.ocr for c in result.chunks)
    assert "Lambda@Edge rewrites /index.html -> /v2/index.html" in _text(result)


def test_re_reads_that_improve_nothing_stop_after_three(tmp_path, monkeypatch):
    asked = _ocr_reads(monkeypatch, ["Re1ea$e en3rgy fr*m g1uc0se"])  # OCR reads it no better than the layer
    result = _load(_scan(tmp_path, GARBLED, pages=5))
    assert asked == [1, 2, 3]
    assert not any(c.ocr for c in result.chunks) and {c.page for c in result.chunks} == {1, 2, 3, 4, 5}
    assert ("pages 1-3 have a text layer that reads poorly, and OCR read them no better; "
            "pages 4-5 keep theirs without being read again (OCR them with ocrmypdf --force-ocr and ingest the "
            "result to read them anew)") in result.warnings


@needs["pdf-with-ocr-text.pdf"]
def test_a_real_scan_with_a_garbled_layer_is_read_again():
    result = _load(PEERS_2 / "pdf-with-ocr-text.pdf")
    text = _text(result)
    assert result.error is None and "Desiring to keep you" in text and "following" in text
    assert "«POAH" not in text and "Eeairing" not in text
    # Its layer is drawn invisibly (3 Tr); the archive's stamp under the scan is drawn to be seen, and stays.
    typed = [c.text for c in result.chunks if not c.ocr]
    assert typed == ["Source: https://www.industrydocuments.ucsf.edu/docs/mjgl0226"]


@pytest.mark.parametrize("folder, name", [(PEERS_2, "DA-1p.pdf"), (PEERS_2, "reliance.pdf"), (PEERS, "table.pdf"),
                                          (PEERS, "file_multicolumn.pdf"), (PEERS, "pdf_with_forms.pdf"),
                                          (PEERS, "vicksburg-multipage.pdf")])
def test_no_other_real_pdf_with_a_text_layer_is_read_again(folder, name, monkeypatch):
    import ingest.pdf

    if not (folder / name).exists():
        pytest.skip(f"../shared/{folder.name}/{name} not present")
    monkeypatch.setattr(ingest.pdf._PageOcr, "reread", lambda *a, **k: pytest.fail(f"{name}: a page was read again"))
    assert _load(folder / name).chunks


@needs["vicksburg-multipage.pdf"]
def test_real_scans_with_a_well_read_layer_keep_it(monkeypatch):
    import ingest.images

    monkeypatch.setattr(ingest.images, "read_pdf_page", lambda *a, **k: pytest.fail("OCR'd a scan with a good layer"))
    result = _load(PEERS / "vicksburg-multipage.pdf")
    assert result.error is None and result.chunks and not any(c.ocr for c in result.chunks)


def test_a_scan_whose_invisible_layer_holds_nothing_is_not_sent_to_ocr(monkeypatch):
    """A text object that switches to invisible and back may leave the invisible layer empty: with nothing in it
    to replace, any OCR reading would 'win' and the page's text be read twice."""
    import ingest.pdf as pdf
    from ingest.pagelayout import Drawing

    monkeypatch.setattr(pdf, "drawing", lambda page: Drawing(cover=1.0, hidden=0.5))
    monkeypatch.setattr(pdf, "text_layers", lambda page: ("", "xQz#k Ppq3see"))
    assert pdf._garbled_layer(object()) is None
    monkeypatch.setattr(pdf, "text_layers", lambda page: ("xQz#k Ppq3 r*b «3E*»CM", "Source: box 12"))
    layer, seen = pdf._garbled_layer(object())
    assert layer == ["xQz#k Ppq3 r*b «3E*»CM"] and seen == ["Source: box 12"]


def test_pages_whose_bookmarks_share_only_the_book_keep_the_heading_in_force():
    """A whole-book outline under one root: marks of two chapters on one page share only the book's title, which
    says less than the heading in force (a section of the chapter before)."""
    from ingest.pagetext import Bookmark, page_sections

    marks = [Bookmark(("Book", "Chapter 2", "2.2 Tides")), Bookmark(("Book", "Chapter 3"))]
    runs, _ = page_sections(["Waves rise and fall twice a day along the coast."], marks, "Book > Chapter 1 > 1.9 Sand")
    assert runs[0][0] == "Book > Chapter 1 > 1.9 Sand"
    runs, _ = page_sections(["Storms form over warm water."], [Bookmark(("Weather",)), Bookmark(("Weather", "Storms")),
                                                                  Bookmark(("Weather", "Rain"))], "Oceans > Tides")
    assert runs[0][0] == "Weather"  # a chapter and two of its sections: the chapter, not the one before
