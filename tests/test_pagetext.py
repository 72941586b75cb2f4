"""PDF page text: running headers, footers and page numbers out of passages; line-end hyphens joined."""
from __future__ import annotations

from ingest import discover, load
from ingest.pagetext import Bookmark, clean_page, join_hyphens, page_sections, running_lines, word_forms, word_share

from .conftest import make_pdf


def test_hyphen_at_a_line_end_joins_the_word():
    assert join_hyphens(["the balls were flat-", "tened in every shape", "a well-known fact"]) == \
        ["the balls were flattened", "in every shape", "a well-known fact"]
    assert join_hyphens(["Section A-", "B follows"]) == ["Section A-", "B follows"]  # not a split word


def test_running_headers_and_page_numbers_are_dropped():
    pages = [[f"{n} THE SIEGE OF VICKSBURG", f"Body text of page {n} about the siege.", f"{n}"] for n in range(1, 8)]
    running = running_lines(pages)
    assert clean_page(pages[3], running) == ["Body text of page 4 about the siege."]
    body = [f"Line {n} of the letter home." for n in range(8)]
    for number in ("—4", "- 12 -", "– iv –"):  # a number set off by dashes at the foot of a page
        assert clean_page([*body, number], set()) == body
    assert clean_page(["— Lincoln", *body], set()) == ["— Lincoln", *body]  # a dash before a name stays


def test_a_chapters_running_header_is_dropped_over_that_chapters_pages():
    # a manual heads every other page with the chapter it is in: each chapter's header tops a stretch of the
    # book, far from the share of all pages a book-wide header reaches
    pages = []
    for chapter, name in enumerate(["Basic Features", "Builtin Commands", "Job Control", "Line Editing"], start=1):
        for n in range(12):
            number = len(pages) + 1
            top = f"Chapter {chapter}: {name} {number}" if number % 2 == 0 else f"Field Manual {number}"
            pages.append([top, f"Paragraph {n} of chapter {chapter} explains one more thing.", "And goes on."])
    running = running_lines(pages)
    kept = [clean_page(page, running) for page in pages]
    assert not any(line.startswith(("Chapter", "Field Manual")) for page in kept for line in page), kept[:4]
    # a line that tops only a few pages of a stretch is text
    few = [[f"Chapter 1: Basic Features {n}" if n in (2, 9, 16) else f"Line {n} opens the page.", "Text.", "More."]
           for n in range(1, 21)]
    assert clean_page(few[8], running_lines(few))[0] == "Chapter 1: Basic Features 9"


def test_a_running_header_misread_by_ocr_is_dropped_too():
    titles = ["THE SIEGE OF VICKSBURG.", "THE SIEGE OF VICKSBUEG.", "THE SIEGE OF VICKSBURG.", "THE SIEGE OP VICKSBURG.",
              "THE SIEGE OF VICKSBURG.", "THE SIEGE OF VICKSBURG."]
    pages = [[f"{49 + n} {t}", f"The river rose {n} feet on the morning of day {n}.", "The camp was moved."]
             for n, t in enumerate(titles)]
    running = running_lines(pages)
    for page in pages:
        assert not any("SIEGE" in line for line in clean_page(page, running)), page
    # a line of text that only resembles the header is kept, and a short one is never taken for it
    assert clean_page(["THE SIEGE OF VICKSBURG ENDED IN JULY.", "The camp was moved.", "Our tents were wet."], running)[0] \
        == "THE SIEGE OF VICKSBURG ENDED IN JULY."
    assert clean_page(["Tea at two.", "The camp was moved.", "Our tents were wet."], {"tea at one."}) \
        == ["Tea at two.", "The camp was moved.", "Our tents were wet."]


def test_a_pdf_cites_pages_and_keeps_headers_out(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    pages = [f"Field Notes of the Survey\nThe river rose {n} feet on the morning of day {n}, and the camp was moved.\n{n}"
             for n in range(1, 6)]
    make_pdf(notes / "survey.pdf", pages)
    files, _ = discover([notes])
    result = load(files[0])
    assert result.error is None
    assert [c.page for c in result.chunks] == [1, 2, 3, 4, 5]
    assert all("Field Notes of the Survey" not in c.text for c in result.chunks)
    assert "The river rose 3 feet" in result.chunks[2].text


def test_bookmark_titles_cut_a_page_into_sections():
    marks = [Bookmark(("Unit 1",)), Bookmark(("Unit 1", "Summary")), Bookmark(("Unit 2",)), Bookmark(("Unit 2", "Summary")),
             Bookmark(("Unit 2", "Forces Acting on a Body at Rest"))]
    lines = ["Unit 1", "Mass is conserved.", "Summary", "Mass stays.", "UNIT 2", "Energy is conserved.", "Summary",
             "Energy stays.", "Forces Acting on a", "Body at Rest", "They balance."]
    runs, after = page_sections(lines, marks, "Earlier")
    assert [(heading, run[-1]) for heading, run in runs] == [
        ("Unit 1", "Mass is conserved."), ("Unit 1 > Summary", "Mass stays."), ("Unit 2", "Energy is conserved."),
        ("Unit 2 > Summary", "Energy stays."), ("Unit 2 > Forces Acting on a Body at Rest", "They balance.")]
    assert sum(len(run) for _, run in runs) == len(lines)  # no line lost or repeated
    assert after == "Unit 2 > Forces Acting on a Body at Rest"
    # Before the first title the page keeps the heading in force; a page without bookmarks keeps it throughout.
    runs, after = page_sections(["The end of the last unit.", "Unit 2", "Energy."], marks[2:3], "Unit 1 > Summary")
    assert [heading for heading, _ in runs] == ["Unit 1 > Summary", "Unit 2"] and after == "Unit 2"
    assert page_sections(["Text."], [], "Unit 2") == ([("Unit 2", ["Text."])], "Unit 2")


def test_a_title_printed_with_its_section_number_starts_its_section():
    marks = [Bookmark(("Shell Commands", "Coprocesses")), Bookmark(("Shell Commands", "Parallel Runs")),
             Bookmark(("Shell Functions",))]
    lines = ["The coprocess returns success.", "3.2.7 Parallel Runs", "Runs commands at once.", "3.3 Shell Functions",
             "Functions group commands.", "Chapter 4. Builtins stay."]
    runs, after = page_sections(lines, marks[1:], "Shell Commands > Coprocesses")
    assert [(heading, run[-1]) for heading, run in runs] == [
        ("Shell Commands > Coprocesses", "The coprocess returns success."),
        ("Shell Commands > Parallel Runs", "Runs commands at once."), ("Shell Functions", "Chapter 4. Builtins stay.")]
    assert after == "Shell Functions"


def test_bookmarks_that_do_not_nest_head_the_page_with_the_path_they_share():
    chapter = [Bookmark(("Chapter 2 Weather",)), Bookmark(("Chapter 2 Weather", "Storm systems")),
               Bookmark(("Chapter 2 Weather", "Rain and snow"))]  # none of the three titles printed
    runs, _ = page_sections(["2 Weather and climate", "Climate is weather averaged."], chapter, "Chapter 1 Oceans")
    assert [heading for heading, _ in runs] == ["Chapter 2 Weather"]
    # Bookmarks that share nothing (sibling chapters) leave the heading in force.
    siblings = [Bookmark(("Waves",)), Bookmark(("Sand",))]
    assert page_sections(["Waves carry energy."], siblings, "Oceans > Tides")[0][0][0] == "Oceans > Tides"


def test_text_in_scripts_without_spaces_reads_as_words():
    for text in ["機械学習は人工知能の一分野です。データから「規則」を学びます。", "机器学习是人工智能的一个分支，它从数据中学习。",
                 "バケットを作成します。", "การเรียนรู้ของเครื่องเป็นสาขาหนึ่ง", "मशीन लर्निंग कृत्रिम बुद्धि की शाखा है"]:
        share, words = word_share([text])
        assert share >= 0.93 and words, (text, share)
    assert word_share(["«POAH «3E*»CM tanntxim. inc. /^. ^"])[0] < 0.5  # a garbled layer still reads as one
    # Two readings of one sentence share its pairs of letters; the words every page has tell nothing.
    assert word_forms(["学習です"]) == {"学習": 1, "習で": 1, "です": 1}
    assert word_forms(["The cell and its membrane."]) == {"cell": 1, "membrane": 1}
