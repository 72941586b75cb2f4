"""Neighbouring passages among the best hits are shown as one excerpt (index/neighbours.py): a question's setup and
its answer often stand on either side of a passage boundary."""
from __future__ import annotations

import re
from dataclasses import replace

from index import HashEmbedder, Searcher, build, load
from index.neighbours import JOIN_WITHIN, groups, join, joinable, line_offsets
from ingest import Chunk

FILLER = [
    "The orchard behind the mill grew apples, pears and a single crooked quince that nobody picked.",
    "Market day brought carts of cabbages, wool and cheese down the valley road before sunrise.",
    "The river froze each January, and the children skated from the bridge to the weir and back.",
    "A travelling tinker mended pots in the square and told stories of ports beyond the mountains.",
]


def _story(tmp_path):
    """A hard-wrapped story of several passages: the keeper climbs the stairs at the end of one, and what he finds
    opens the next."""
    def paragraph(sentence: str, times: int = 7) -> str:
        words = " ".join([sentence] * times).split()
        return "\n".join(" ".join(words[i:i + 11]) for i in range(0, len(words), 11))

    parts = [paragraph(FILLER[0]), paragraph(FILLER[1]),
             paragraph("The village slept under the cliff while the wind rose over the bay.", 7)
             + "\nThat night the lighthouse keeper Tobias climbed the spiral stairs to the lamp room.",
             "At the top Tobias found the great brass lantern cracked and the oil spilled across the floor.\n"
             + paragraph("Gulls wheeled about the tower and the sea broke white against the rocks.", 6),
             paragraph(FILLER[2]), paragraph(FILLER[3])]
    notes = tmp_path / "story"
    notes.mkdir()
    (notes / "lighthouse.txt").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return notes


def test_a_setup_and_its_answer_in_neighbouring_passages_come_as_one_excerpt(isolated_home, tmp_path):
    notes = _story(tmp_path)
    emb = HashEmbedder(256)
    build(isolated_home, [notes], emb)
    searcher = Searcher(load(isolated_home, model=emb.name), emb)
    chunks = [searcher.chunks[i] for i in range(len(searcher.chunks))]
    setup = next(i for i, c in enumerate(chunks) if "climbed the spiral stairs" in c.text)
    answer = next(i for i, c in enumerate(chunks) if "brass lantern cracked" in c.text)
    assert answer == setup + 1, [c.text[:40] for c in chunks]  # the story does put them on either side of a boundary

    hits = searcher.search("What did the lighthouse keeper Tobias find when he climbed the stairs?", k=3, sentences=3)
    top = hits[0]
    assert {setup, answer} <= set(top.passages), top.passages
    assert list(top.passages) == list(range(top.passages[0], top.passages[-1] + 1))  # a run of the file, in order
    assert "climbed the spiral stairs" in top.chunk.text and "brass lantern cracked" in top.chunk.text
    first, last = chunks[top.passages[0]], chunks[top.passages[-1]]
    assert (top.chunk.start_line, top.chunk.end_line) == (first.start_line, last.end_line)
    assert top.chunk.text == "\n".join(chunks[r].text for r in top.passages)  # as the file has them
    # the places the neighbours held go to the next passages: still three excerpts, none shown twice
    assert len(hits) == 3 and [h.rank for h in hits] == [1, 2, 3]
    shown = [r for h in hits for r in h.passages]
    assert len(shown) == len(set(shown))
    # each sentence of the excerpt still cites its own line of the file
    lines = (notes / "lighthouse.txt").read_text(encoding="utf-8").split("\n")
    for sentence, _ in top.sentences:
        line = top.chunk.line_of(sentence.line)
        assert sentence.text.split()[0] in lines[line - 1], (sentence.text, line)
    found = next(s for s, _ in top.sentences if "brass lantern" in s.text)
    assert lines[top.chunk.line_of(found.line) - 1].startswith("At the top Tobias found")


def _chunk(text: str, first: int, **kw) -> Chunk:
    n = text.count("\n") + 1
    return Chunk("notes/a.txt", kw.pop("heading", "Story"), text, first, first + n - 1,
                 lines=tuple(range(first, first + n)), kind=kw.pop("kind", "prose"), **kw)


def test_a_line_a_boundary_cut_is_one_line_of_the_excerpt():
    a = _chunk("He rose early.\nHe went out. The door", 10)
    b = Chunk("notes/a.txt", "Story", "was open.\nRain fell.", 11, 12, lines=(11, 12), kind="prose")
    joined = join([a, b])
    assert joined.text == "He rose early.\nHe went out. The door was open.\nRain fell."
    assert joined.lines == (10, 11, 12) and (joined.start_line, joined.end_line) == (10, 12)
    assert line_offsets([a, b]) == [0, 1]  # b's first line is the excerpt's second line, its second the third
    assert joined.line_of(line_offsets([a, b])[1] + 1) == 12


def test_only_neighbours_under_one_heading_and_on_one_page_are_joined():
    a, b = _chunk("One.", 1), _chunk("Two.", 3)
    assert joinable(a, b)
    assert not joinable(a, _chunk("Two.", 3, heading="Other"))
    pdf = Chunk("notes/b.pdf", "", "One.", page=1), Chunk("notes/b.pdf", "", "Two.", page=2)
    assert not joinable(*pdf)
    chunk_of = lambda row: _chunk(f"Row {row}.", 2 * row + 1)  # noqa: E731 (every row under one heading)
    # rows best first: 1 joins 0 and 2 on either side; rows apart stay apart
    assert groups([1, 0, 2], chunk_of) == [[0, 1, 2]]
    assert groups([1, 50, 0], chunk_of) == [[0, 1], [50]]
    # a neighbour ranked below the first JOIN_WITHIN is there for its own words: it keeps its own place
    far = [100 * (n + 1) for n in range(JOIN_WITHIN - 1)]
    assert groups([1, *far, 0], chunk_of) == [[1], *([r] for r in far), [0]]


def test_an_excerpt_of_neighbours_on_a_page_opens_in_the_viewer_with_each_part_marked():
    """A chip names the excerpt by its text: the viewer finds its passages again and marks each, not the page's
    other passages; an excerpt whose text changed since opens nothing."""
    from app.render import cite_href
    from app.ui_viewer import parse_href, viewer_html

    page = [Chunk("notes/a.pdf", "", text, None, None, 4, kind="prose")
            for text in ("The harbour walls are grey.", "The keeper climbed the stairs.", "He found the lantern cracked.")]
    shown = viewer_html(parse_href(cite_href(join(page[1:]))), {}, page)
    assert re.findall(r"<mark>(.*?)</mark>", shown, re.S) == [page[1].text, page[2].text]
    assert "no longer in the index" not in shown
    edited = join([page[1], replace(page[2], text="He found the lantern whole.")])
    assert "no longer in the index" in viewer_html(parse_href(cite_href(edited)), {}, page)


def test_excerpts_keep_each_unit_apart_and_close_gaps():
    """Cells and paragraphs number every line of theirs alike: two passages of one cell are two lines, not one;
    passages of two slides are not one excerpt (a sentence is cited by its passage's slide); a row that closes the
    gap between two excerpts makes them one."""
    code = [Chunk("notes/n.ipynb", "", text, lines=(4, 4), unit="cell", first=4, last=4, kind="code")
            for text in ("import numpy as np\nx = np.zeros(3)", "y = x + 1\nprint(y)")]
    assert join(code).text == "import numpy as np\nx = np.zeros(3)\ny = x + 1\nprint(y)"
    assert line_offsets(code) == [0, 2]
    slide = lambda n, text: Chunk("notes/d.pptx", "", text, unit="slide", first=n, last=n)  # noqa: E731
    assert joinable(slide(3, "Tides rise."), slide(3, "Tides fall."))
    assert not joinable(slide(3, "Tides rise."), slide(4, "Moons pull."))
    chunk_of = lambda row: _chunk(f"Row {row}.", 2 * row + 1)  # noqa: E731
    assert groups([10, 12, 11], chunk_of) == [[10, 11, 12]]


def test_a_prose_passage_gains_a_share_of_its_better_neighbours_score(isolated_home, tmp_path):
    """Running prose: a passage's scene is set up by its neighbours, so its score gains SCENE_SHARE of the better
    neighbour's (same file, both candidates); notes written as lines, and the passages of another file, gain nothing."""
    import numpy as np

    from index.search import SCENE_SHARE

    notes = _story(tmp_path)
    story = (notes / "lighthouse.txt").read_text(encoding="utf-8")
    (notes / "lighthouse-retold.txt").write_text(story.replace("Tobias", "Ambrose"), encoding="utf-8")  # two stories side by side
    (notes / "list.md").write_text("# Tools\n\n- A hammer drives nails.\n- A saw cuts boards.\n\n# Glue\n\n"
                                   "- Wood glue sets in an hour.\n", encoding="utf-8")
    emb = HashEmbedder(256)
    build(isolated_home, [notes], emb)
    searcher = Searcher(load(isolated_home, model=emb.name), emb)
    chunks = [searcher.chunks[i] for i in range(len(searcher.chunks))]
    prose = [c.kind == "prose" for c in chunks]
    assert sum(prose) >= 8 and not all(prose)
    assert any(prose[i] and prose[i + 1] and chunks[i].source != chunks[i + 1].source for i in range(len(chunks) - 1))
    rows = np.arange(len(chunks))
    fused = np.linspace(1.0, 0.1, len(rows)).astype("float32")
    out = searcher._in_scene(rows, fused)
    for i, c in enumerate(chunks):
        beside = [fused[n] for n in (i - 1, i + 1) if 0 <= n < len(chunks) and prose[n] and chunks[n].source == c.source]
        assert np.isclose(out[i], fused[i] + (SCENE_SHARE * max(beside) if prose[i] and beside else 0)), c.text[:40]
    # a neighbour that is no candidate lends nothing
    story = [i for i, p in enumerate(prose) if p]
    alone = np.array([story[0], story[2]])
    assert np.allclose(searcher._in_scene(alone, fused[alone]), fused[alone])


def test_passages_of_neighbouring_paragraphs_join_and_each_sentence_keeps_its_paragraph():
    """A Word or EPUB story is cited by paragraph: a setup in one paragraph and its answer in the next are one
    excerpt cited by both, and a sentence of the excerpt still names its own paragraph."""
    para = lambda first, text, chapter=None: Chunk("notes/s.docx", "", text, lines=tuple(  # noqa: E731
        range(first, first + text.count("\n") + 1)), unit="chapter" if chapter else "paragraph", first=first,
        last=first + text.count("\n"), chapter=chapter)
    setup, answer = para(40, "The keeper climbed the stairs.\nHe lit a candle."), para(42, "He found the lantern cracked.")
    assert joinable(setup, answer)
    joined = join([setup, answer])
    assert joined.citation == "notes/s.docx, ¶ 40-42"
    assert joined.cite(joined.line_of(2), joined.line_of(2)) == "notes/s.docx, ¶ 42"
    assert joinable(para(3, "One.", chapter=2), para(4, "Two.", chapter=2))
    assert not joinable(para(3, "One.", chapter=2), para(4, "Two.", chapter=3))  # two chapters are two places


def test_an_excerpt_cited_by_paragraph_spans_every_paragraph_of_its_parts():
    """In an EPUB, text after a paragraph nested in a quotation carries the quotation's number, so a passage may
    cite ¶ 2-4 after one citing ¶ 3: their excerpt cites ¶ 2-4, not 3-4."""
    inner = Chunk("notes/b.epub", "", "The inner paragraph.", lines=(3,), unit="chapter", first=3, last=3, chapter=1)
    outer = Chunk("notes/b.epub", "", "Trailing words.\nNext paragraph.", lines=(2, 4), unit="chapter", first=2, last=4,
                  chapter=1)
    assert join([inner, outer]).citation == "notes/b.epub, chapter 1, ¶ 2-4"
