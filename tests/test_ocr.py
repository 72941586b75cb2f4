"""OCR: pictures and scanned PDF pages become searchable passages that cite their page and say they were OCR'd."""
from __future__ import annotations

import re
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest

from ingest.files import NoteFile, load
from ingest.ocr import OcrLine, reading_order
from ingest.records import normalize
from tests.conftest import ROOT, SHARED, make_pdf

PEERS = SHARED / "peer-files-2"
needs_peers = pytest.mark.skipif(not PEERS.exists(), reason="../shared/peer-files-2 not present")
SENTENCE = "Mitochondria release energy from glucose during cellular respiration"
OTHER = "Chloroplasts capture light energy to build sugars"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size=size)


def text_picture(lines: list[str], size: int = 36, width: int = 1400):
    """A white picture with ``lines`` printed in black, one under the other."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, 80 + len(lines) * size * 2), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * size * 2), line, font=_font(size), fill="black")
    return image


def _words(text: str) -> Counter:
    return Counter(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _loaded(path: Path):
    return load(NoteFile(path, f"notes/{path.name}"))


def _glued(text: str) -> str:
    """Letters and digits only: a passage joins a line-end hyphen ('competi-' 'tive'), the page lines do not."""
    return normalize(text).replace(" ", "")


# --- pictures --------------------------------------------------------------------------------------------

def test_a_picture_of_a_sentence_is_found_by_its_words_and_cites_page_1(tmp_path):
    path = tmp_path / "board.png"
    text_picture([SENTENCE]).save(path)
    result = _loaded(path)
    assert result.error is None
    assert result.chunks and all(c.ocr and c.page == 1 and c.locator == "page 1" for c in result.chunks)
    assert result.chunks[0].citation == "notes/board.png p.1"
    assert normalize(SENTENCE) in normalize(" ".join(c.text for c in result.chunks))


def test_each_frame_of_a_multipage_tiff_is_a_page_and_passages_stand_in_it(tmp_path):
    from PIL import Image

    from ingest.ocr import read_image

    path = tmp_path / "scans.tiff"
    first, second = text_picture([SENTENCE]), text_picture([OTHER])
    first.save(path, save_all=True, append_images=[second])
    result = _loaded(path)
    assert result.error is None
    pages = {c.page for c in result.chunks}
    assert pages == {1, 2}
    by_page = {p: " ".join(c.text for c in result.chunks if c.page == p) for p in pages}
    assert normalize(SENTENCE) in normalize(by_page[1]) and normalize(OTHER) in normalize(by_page[2])
    # Property: every passage stands in the page it cites, that frame read again on its own.
    with Image.open(path) as tiff:
        frames = []
        for index in range(tiff.n_frames):
            tiff.seek(index)
            frames.append(" ".join(line.text for line in read_image(tiff.convert("RGB"))))
    for chunk in result.chunks:
        assert _glued(chunk.text) in _glued(frames[chunk.page - 1]), chunk


def test_a_blank_picture_has_no_text_to_index(tmp_path):
    from PIL import Image

    path = tmp_path / "blank.png"
    Image.new("RGB", (800, 600), "white").save(path)
    result = _loaded(path)
    assert result.error == "no text found in the image; nothing to index (if it shows writing, use a sharper, upright scan; else keep it out of the notes)"
    assert not result.chunks


def test_a_file_that_is_not_a_picture_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_bytes(b"this is not a JPEG at all\n" * 20)
    result = _loaded(path)
    assert result.error and "not a readable image" in result.error and "re-save it as PNG or JPEG" in result.error
    assert "\n" not in result.error


def test_a_truncated_picture_is_reported_on_one_line(tmp_path):
    path = tmp_path / "cut.png"
    text_picture([SENTENCE]).save(path)
    path.write_bytes(path.read_bytes()[:2000])
    result = _loaded(path)
    assert result.error and "not a readable image" in result.error and "\n" not in result.error


def _png_claiming(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` x ``height`` pixels (its data is one pixel): refused before decoding."""
    from PIL import Image

    Image.new("L", (1, 1), 255).save(path)
    data = bytearray(path.read_bytes())
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("side", [12_000, 20_000])
def test_a_picture_over_the_size_limit_is_refused_naming_its_size(tmp_path, side):
    # 12,000^2 passes Pillow's bomb check but not ours; 20,000^2 trips Pillow's: both give our one line.
    started = time.monotonic()
    result = _loaded(_png_claiming(tmp_path / "huge.png", side, side))
    assert time.monotonic() - started < 5
    assert result.error and "scale it down" in result.error and "\n" not in result.error
    assert f"{side * side // 1_000_000} megapixels" in result.error


def test_a_long_thin_strip_is_refused(tmp_path):
    result = _loaded(_png_claiming(tmp_path / "strip.png", 200, 30_000))
    assert result.error and "200 x 30000" in result.error and "cut it into" in result.error


@pytest.mark.slow
def test_a_10000_pixel_square_picture_is_read_in_bounded_time(tmp_path):
    from PIL import Image, ImageDraw

    path = tmp_path / "poster.png"
    image = Image.new("L", (10_000, 10_000), 255)
    ImageDraw.Draw(image).text((400, 400), SENTENCE, font=_font(160), fill=0)
    image.save(path)
    del image
    started = time.monotonic()
    result = _loaded(path)
    assert time.monotonic() - started < 90  # scaled down to WORK_PIXELS before reading: ~10 s here
    assert result.error is None and normalize(SENTENCE) in normalize(" ".join(c.text for c in result.chunks))


def test_reading_order_reads_a_column_whole_before_the_next():
    def line(text, left, top, right):
        return OcrLine(text, 0.99, (left, top, right, top + 20))

    title = line("Title across both columns", 100, 10, 700)
    left = [line(f"left {i}", 50, 60 + 25 * i, 380) for i in range(5)]
    right = [line(f"right {i}", 420, 60 + 25 * i, 750) for i in range(5)]
    footer = line("7", 390, 300, 410)  # a page number under the gutter
    shuffled = [right[2], footer, left[4], title, right[4], right[3], right[1], right[0], *left[:4]]
    ordered = [item.text for item in reading_order(shuffled)]
    assert ordered == [title.text, *(x.text for x in left), *(x.text for x in right), "7"]


def test_reading_order_keeps_a_row_of_a_table_together():
    # Two short label/value rows: not columns (too few lines), so each row is read left to right.
    rows = [OcrLine("Name:", 0.99, (10, 10, 80, 30)), OcrLine("Ada", 0.99, (300, 10, 360, 30)),
            OcrLine("Born:", 0.99, (10, 40, 80, 60)), OcrLine("1815", 0.99, (300, 40, 370, 60))]
    assert [x.text for x in reading_order(rows[::-1])] == ["Name:", "Ada", "Born:", "1815"]


def test_importing_the_readers_does_not_load_the_model():
    code = ("import sys, ingest.ocr, ingest.images, ingest.pdf; "
            "print(sorted(m for m in ('rapidocr_onnxruntime', 'cv2', 'onnxruntime', 'PIL', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_engine_is_loaded_once_with_two_threads():
    from ingest.ocr import engine

    first = engine()
    assert engine() is first
    assert first.text_det.infer.session.get_session_options().intra_op_num_threads <= 2


# --- PDF pages without a text layer ----------------------------------------------------------------------

def test_a_pdf_whose_only_page_is_a_picture_is_read_by_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    text_picture([SENTENCE, OTHER]).save(path, "PDF", resolution=150)
    result = _loaded(path)
    assert result.error is None
    assert result.chunks and all(c.ocr and c.page == 1 for c in result.chunks)
    text = normalize(" ".join(c.text for c in result.chunks))
    assert normalize(SENTENCE) in text and normalize(OTHER) in text
    assert any("read by OCR" in w for w in result.warnings)


def test_a_pdf_page_with_text_is_never_ocrd(tmp_path, monkeypatch):
    import ingest.images

    def refuse(*args, **kwargs):
        raise AssertionError("a page with a text layer was sent to OCR")

    monkeypatch.setattr(ingest.images, "read_pdf_page", refuse)
    result = _loaded(make_pdf(tmp_path / "typed.pdf", ["Osmosis moves water across a membrane."]))
    assert result.error is None and not any(c.ocr for c in result.chunks)


def test_a_pdf_with_neither_text_nor_pictures_keeps_its_message(tmp_path):
    result = _loaded(make_pdf(tmp_path / "empty.pdf", [""]))
    assert result.error and result.error.startswith("no extractable text (scanned or image-only PDF)")


@pytest.mark.skipif(not (SHARED / "peer-files" / "vicksburg-multipage.pdf").exists(), reason="../shared/peer-files not present")
def test_a_scanned_pdf_whose_text_layer_reads_well_is_not_ocrd_again(monkeypatch):
    """A scan with a good text layer keeps it (OCR again would cost seconds a page and read no better); a layer
    that reads as garbage is the other case (tests/test_pdf_reading.py)."""
    import ingest.images

    monkeypatch.setattr(ingest.images, "read_pdf_page", lambda *a, **k: pytest.fail("OCR'd a page with a text layer"))
    result = _loaded(SHARED / "peer-files" / "vicksburg-multipage.pdf")
    assert result.error is None and len(result.chunks) > 10 and not any(c.ocr for c in result.chunks)


# --- real pictures from other projects -------------------------------------------------------------------

@needs_peers
def test_a_photo_without_text_indexes_no_noise():
    result = _loaded(PEERS / "example.jpg")  # a flower: the detector finds a shape read as 'V' at 0.45
    assert result.error == "no text found in the image; nothing to index (if it shows writing, use a sharper, upright scan; else keep it out of the notes)"


@needs_peers
@pytest.mark.integration
def test_ocr_of_a_page_image_matches_the_same_page_text_layer():
    import pypdf

    from ingest.ocr import read_image

    reference = _words(pypdf.PdfReader(str(PEERS / "DA-1p.pdf")).pages[0].extract_text())
    result = _loaded(PEERS / "DA-1p.png")
    assert result.error is None and all(c.ocr and c.page == 1 for c in result.chunks)
    read = _words(" ".join(c.text for c in result.chunks))
    common = sum((read & reference).values())
    recall, precision = common / sum(reference.values()), common / sum(read.values())
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)
    # Property: each passage stands in the page, read again on its own.
    from PIL import Image

    with Image.open(PEERS / "DA-1p.png") as image:
        page = " ".join(line.text for line in read_image(image.convert("RGB")))
    for chunk in result.chunks:
        assert _glued(chunk.text) in _glued(page), chunk


@needs_peers
@pytest.mark.integration
def test_a_two_column_page_is_read_column_by_column():
    result = _loaded(PEERS / "double-column-A.jpg")
    text = normalize(" ".join(c.text for c in result.chunks))
    left = normalize("The rules in this subchapter shall apply to all positions in the competitive service")
    right = normalize("Competitive status shall mean basic eligibility to be noncompetitively selected")
    assert left in text and right in text
    assert text.index(left) < text.index(right)
