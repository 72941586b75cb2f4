"""Text read from a picture (OCR) with RapidOCR's ONNX models, which its wheel ships: no network, no service.

The recogniser (PP-OCRv4, trained mostly on Chinese) often drops the spaces of English text: a whole line
comes out as 'Useallyouraccounts'. So each detected line is cut into words where the picture has a blank
gap much wider than the line's letter gaps, each word is read on its own and the words are joined by
spaces. On a two-column page this took word recall from 0.28 to 0.99 (the README's OCR section has the figures).
"""
from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .records import IngestError

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

MIN_CONFIDENCE = 0.65  # a word read with less is dropped: on the test pictures 0.6-0.7 kept 99.7% of the right words
# and dropped the noise read from photos and unsupported scripts (0.44-0.59); higher dropped short words ('is', 'I')
MAX_PIXELS = 120_000_000  # refused above this: decoding alone would take gigabytes
WORK_PIXELS = 6_500_000  # larger pictures are scaled down to this before reading (a 300 dpi A4 scan is 8.7 M)
MAX_ASPECT = 20  # a strip longer than this times its width makes the detector's input unbounded
THREADS = 2  # the ONNX sessions share the machine with the rest of ingest
WORD_GAP = 0.3  # a blank gap this share of the ink height ...
GAP_RATIO = 2.5  # ... and this many times the line's median gap is a word space
DET_SIDE = 736  # rapidocr's detector scales a picture's short side up to this ...
DET_UPSCALE = 2.0  # ... by at most this much here (more broke lines apart); small pages gain from some
REC_BATCH = 6  # words per model call: larger batches measured slower on 2 cores
REC_WIDTH = 96  # a word is padded to at least this width (rapidocr's 320 made reading words twice as slow)
GUTTER = 0.5  # a blank strip this many line heights wide, top to bottom, parts columns ...
COLUMN_LINES = 3  # ... when each side has at least this many lines (else it is a table row or a label)
JOIN_GAP = 1.0  # pieces of one row closer than this many line heights are one line ('1.' and 'Template ...')

_ENGINE: Any = None
_LOCK = threading.Lock()
MAX_OCR_PAGES = 1000  # pages of one file read by OCR (2-6 s each): past this, split the PDF


@dataclass(frozen=True)
class OcrLine:
    text: str
    confidence: float  # mean of its words', weighted by length, 0..1
    box: tuple[int, int, int, int]  # left, top, right, bottom in pixels of the picture as given


def engine() -> Any:
    """The RapidOCR engine, loaded once per process (about a second and 15 MB of models)."""
    global _ENGINE
    if _ENGINE is None:
        import cv2
        from rapidocr_onnxruntime import RapidOCR  # imported here: only OCR pays for onnxruntime and OpenCV

        threads = max(1, min(THREADS, os.cpu_count() or 1))
        cv2.setNumThreads(threads)
        _ENGINE = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, text_score=0.0,
                           rec_batch_num=REC_BATCH, rec_img_shape=[3, 48, REC_WIDTH], print_verbose=False)
    return _ENGINE


def check_size(width: int, height: int, source: str) -> None:
    """Refuse a picture too large (or too long and thin) to read in bounded time and memory."""
    if width * height > MAX_PIXELS:
        raise IngestError(source, f"image is {width} x {height} pixels ({width * height / 1e6:.0f} megapixels), over the "
                                  f"{MAX_PIXELS / 1e6:.0f}-megapixel limit for OCR; scale it down (e.g. to 4000 pixels "
                                  "on the long side) and ingest again")
    if max(width, height) > MAX_ASPECT * max(1, min(width, height)):
        raise IngestError(source, f"image is {width} x {height} pixels, too long and thin to read; cut it into "
                                  "page-sized pieces and ingest those")


def read_image(image: "Image.Image", source: str = "image") -> list[OcrLine]:
    """The lines of text in ``image``, in reading order; words below MIN_CONFIDENCE dropped.

    Raises IngestError (naming ``source``) for a picture too large to read safely.
    """
    check_size(*image.size, source)
    pixels, scale = _prepare(image)
    ocr = engine()
    with _LOCK:  # rapidocr keeps per-call state on the engine
        boxes, _ = ocr.text_det(pixels)
        if boxes is None or len(boxes) == 0:
            return []
        crops = ocr.get_crop_img_list(pixels, list(boxes))
        words, owner = [], []
        for i, crop in enumerate(crops):
            for word in split_words(crop):
                words.append(word)
                owner.append(i)
        read, _ = ocr.text_rec(words) if words else ([], 0.0)
    found: dict[int, list[tuple[str, float]]] = {}
    for i, (text, confidence) in zip(owner, read):
        text = unicodedata.normalize("NFKC", text).strip()  # full-width '，' and '：' of the model become ',' ':'
        if text and confidence >= MIN_CONFIDENCE:
            found.setdefault(i, []).append((text, float(confidence)))
    lines = []
    for i, parts in found.items():
        text = " ".join(t for t, _ in parts)
        if not any(ch.isalnum() for ch in text):
            continue  # a stray mark read as punctuation
        confidence = sum(len(t) * c for t, c in parts) / sum(len(t) for t, _ in parts)
        xs, ys = boxes[i][:, 0] / scale, boxes[i][:, 1] / scale
        lines.append(OcrLine(text, round(confidence, 3), (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)))
    return reading_order(lines)


def _prepare(image: "Image.Image") -> tuple["np.ndarray", float]:
    """The picture as 8-bit BGR pixels on white, scaled down to WORK_PIXELS; and the scale applied."""
    import numpy as np
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit and float scans: stretch to 8 bits, not clip
        values = np.asarray(image, dtype=np.float32)
        low, high = float(values.min()), float(values.max())
        image = Image.fromarray(((values - low) * (255.0 / max(high - low, 1e-6))).astype(np.uint8))
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        background = Image.new("RGB", image.size, "white")  # transparent means paper, not black
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    scale = 1.0
    if image.width * image.height > WORK_PIXELS:
        scale = (WORK_PIXELS / (image.width * image.height)) ** 0.5
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    return _pad(bgr), scale


def _pad(pixels: "np.ndarray") -> "np.ndarray":
    """A wide, short picture (one line of text) padded below with its paper colour, so the detector scales it up
    at most DET_UPSCALE times.

    The detector scales the short side up to DET_SIDE: a 1400 x 150 banner became 4.9 times larger and its
    line fell apart into overlapping pieces. Padding keeps the text at its own size; boxes keep their place.
    """
    import numpy as np

    height, width = pixels.shape[:2]
    target = min(int(DET_SIDE / DET_UPSCALE + 0.5), max(height, width))
    if height >= target and width >= target:
        return pixels
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    paper = np.median(border, axis=0).astype(np.uint8)
    padded = np.empty((max(height, target), max(width, target), 3), dtype=np.uint8)
    padded[:] = paper
    padded[:height, :width] = pixels
    return padded


def split_words(crop: "np.ndarray") -> list["np.ndarray"]:
    """A line's picture cut at its word spaces: blank column runs much wider than its letter gaps."""
    import cv2
    import numpy as np

    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    threshold, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = gray < threshold if np.median(gray) > threshold else gray > threshold  # dark text on light, or light on dark
    rows = np.flatnonzero(ink.any(axis=1))
    columns = np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0 or len(columns) < 2:
        return [crop]
    height = rows[-1] - rows[0] + 1
    filled = ink.any(axis=0)[columns[0]: columns[-1] + 1].astype(np.int8)
    edges = np.diff(np.concatenate([[1], filled, [1]]))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    if len(starts) == 0:
        return [crop]
    widths = ends - starts
    wide = max(WORD_GAP * height, GAP_RATIO * float(np.median(widths)))
    cuts = [columns[0] + (s + e) // 2 for s, e, w in zip(starts, ends, widths) if w >= wide]
    bounds = [0, *cuts, crop.shape[1]]
    return [crop[:, a:b] for a, b in zip(bounds, bounds[1:]) if b - a > 1]


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Lines in the order a person reads them: a column whole before the next, rows top to bottom, left to right.

    Recursive XY cut: a region is cut at a blank vertical strip (columns) when it has one, else at its widest
    blank horizontal strip; a region with neither is read row by row. A title across both columns has no
    strip beside it, so it is cut off above them first.
    """
    if len(lines) < 2:
        return list(lines)
    height = sorted(line.box[3] - line.box[1] for line in lines)[len(lines) // 2]
    ordered: list[OcrLine] = []
    stack = [list(lines)]  # a stack, not recursion: a page may have a thousand lines
    while stack:
        region = stack.pop()
        parts = _cut(region, height)
        if parts is None:
            ordered.extend(line for row in _rows(region, height) for line in row)
        else:
            stack.extend(reversed(parts))
    return _join_pieces(ordered, height)


def _join_pieces(lines: list[OcrLine], height: int) -> list[OcrLine]:
    """The detector may cut a line at a wide space; consecutive pieces of one row close together are one line."""
    joined: list[OcrLine] = []
    for line in lines:
        last = joined[-1] if joined else None
        if (last is not None and abs(line.box[0] - last.box[2]) <= JOIN_GAP * height
                and abs((line.box[1] + line.box[3]) - (last.box[1] + last.box[3])) <= height):
            size = len(last.text) + len(line.text)
            confidence = round((last.confidence * len(last.text) + line.confidence * len(line.text)) / size, 3)
            box = (last.box[0], min(last.box[1], line.box[1]), line.box[2], max(last.box[3], line.box[3]))
            joined[-1] = OcrLine(f"{last.text} {line.text}", confidence, box)
        else:
            joined.append(line)
    return joined


def _cut(region: list[OcrLine], height: int) -> list[list[OcrLine]] | None:
    """The region's columns (left to right) or its two halves (top, bottom); None if it has no blank strip."""
    if len(region) < 2:
        return None
    columns = _runs(region, 0, GUTTER * height)
    if len(columns) > 1 and (len(_rows(region, height)) == 1 or all(len(c) >= COLUMN_LINES for c in columns)):
        return columns
    bands = sorted(region, key=lambda line: line.box[1])
    gaps = []
    bottom = bands[0].box[3]
    for i in range(1, len(bands)):
        if bands[i].box[1] > bottom:
            gaps.append((bands[i].box[1] - bottom, i))
        bottom = max(bottom, bands[i].box[3])
    if not gaps:
        return None
    _, at = max(gaps)
    return [bands[:at], bands[at:]]


def _runs(region: list[OcrLine], axis: int, min_gap: float) -> list[list[OcrLine]]:
    """The region's lines grouped by their extent along ``axis`` (0: x), split where a gap >= ``min_gap`` is."""
    ordered = sorted(region, key=lambda line: line.box[axis])
    groups = [[ordered[0]]]
    end = ordered[0].box[axis + 2]
    for line in ordered[1:]:
        if line.box[axis] - end >= min_gap:
            groups.append([])
        groups[-1].append(line)
        end = max(end, line.box[axis + 2])
    return groups


def _rows(region: list[OcrLine], height: int) -> list[list[OcrLine]]:
    """Lines whose middles are within half a line height are one row, read left to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(region, key=lambda line: (line.box[1] + line.box[3]) / 2):
        middle = (line.box[1] + line.box[3]) / 2
        if rows and abs(middle - sum((b.box[1] + b.box[3]) / 2 for b in rows[-1]) / len(rows[-1])) <= height / 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda line: line.box[0]) for row in rows]
