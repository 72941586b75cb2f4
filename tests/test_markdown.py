"""Markdown and prose as students write them: each rule is general, and each test breaks if the rule does."""
from __future__ import annotations

import shutil
import time

import pytest

from ingest import discover, load, split_sentences
from ingest.markdown import chunk_markdown, chunk_plain
from ingest.pack import MAX_CHARS
from ingest.sentences import split_text

from .conftest import SHARED, stands_in

WEB_PAGE = SHARED / "peer-files" / "another_file_no_utf8.md"  # a law firm's page saved as Markdown


def md(text: str):
    return chunk_markdown(text.split("\n"), "notes/n.md")


def test_links_are_read_by_their_words_not_their_urls():
    (c,) = md("# Tools\nRead the [scikit-learn guide](https://scikit-learn.org/stable/user_guide.html) before you start.\n")
    assert c.text == "Read the scikit-learn guide before you start."
    assert "https" not in c.search_text and "scikit-learn guide" in c.search_text


def test_bare_urls_are_shown_but_not_matched():
    (c,) = md("# Refs\nThe dataset is at https://example.org/data/pumpkins.csv for download.\n")
    assert "https://example.org/data/pumpkins.csv" in c.text
    assert "example" not in c.search_text and "dataset" in c.search_text


def test_inline_html_is_stripped_and_image_alt_text_is_a_caption():
    (c,) = md('# Intro\n<p align="center">\n  <img src="img/sketch.png" alt="A sketchnote of regression" width="50%">\n</p>\n'
              "Regression predicts a number from features.\n")
    assert "<" not in c.text and "align" not in c.text and "img" not in c.text
    assert "A sketchnote of regression" in c.captions


def test_backslash_escapes_are_the_characters_they_escape_except_in_code():
    chunks = md("# 30 \\+ Years of \\*Experience\\*\nWe won multi\\-million\\-dollar verdicts \\& awards \\[1\\], not C:\\Users.\n"
                "Type `a\\-b` to subtract.\n\n```\nescaped\\-in\\-code\nprint(a\\-b)\n```\n\n"
                "```\nSo today we talk about multi\\-step queues and why they decouple your application parts.\n```\n")
    text = next(c for c in chunks if c.kind != "code")
    assert "multi\\-step queues" in chunks[-1].text and chunks[-1].kind != "code"  # a pasted transcript, still a code block
    assert text.heading == "30 + Years of *Experience*"
    assert text.text == "We won multi-million-dollar verdicts & awards [1], not C:\\Users.\nType a\\-b to subtract."
    assert next(c for c in chunks if c.kind == "code").text == "escaped\\-in\\-code\nprint(a\\-b)"


@pytest.mark.parametrize("link", [
    "[the office](/law-offices-of-ronald-c-burke-esq)",
    "[the office](https://example.org/office \"Our office's page\")",
    "[the office](<my notes/office.md> 'Office')",
    "[the office](https://en.wikipedia.org/wiki/Office_(building))",
    "[the [main] office](../office.md)",
    "[![logo](img/logo.png) the office](https://example.org)",
    "[the office][ref]",
    "[the office][]",
    "[the office]",
])
def test_links_of_every_shape_are_read_by_their_words(link):
    note = f"# Visit\nCome to {link}\\-today for a chat about your case.\n\n[ref]: https://example.org/r\n[the office]: /o\n"
    (c,) = md(note)
    words = c.text.replace("[main] ", "").replace("  ", " ")  # nested brackets are the link's own words
    assert words == "Come to the office-today for a chat about your case."
    for shown in (c.text, c.search_text):
        assert "](" not in shown and "example" not in shown and "/o" not in shown and ".md" not in shown


def test_a_link_wrapped_over_two_lines_is_read_by_its_words_and_each_line_cites_itself():
    lines = ["# Office Location", "Law Offices, Esq. [7 World Trade Center, Suite 2701  ",
             "New York, NY 10007](/law-offices)[212\\-808\\-8008](tel:212-808-8008)", "", "Open on weekdays."]
    c = next(c for c in chunk_markdown(lines, "notes/n.md") if "World Trade" in c.text)
    assert c.text.split("\n")[:2] == ["Law Offices, Esq. 7 World Trade Center, Suite 2701", "New York, NY 10007 212-808-8008"]
    assert "](" not in c.search_text and "law-offices" not in c.search_text and "tel:" not in c.search_text
    for i, line in enumerate(c.text.split("\n")):
        assert stands_in(line, lines[c.line_of(i) - 1])


def test_reference_links_need_their_definition_and_definitions_are_not_text():
    (c,) = md("# Arrays\nRead [the guide][g] first. Index it as a[i][j] or [undefined][x].\n\n[g]: https://example.org/g \"Guide\"\n"
              "[Note]: this line says something and is not a definition\n")
    assert c.text == "Read the guide first. Index it as a[i][j] or [undefined][x].\n[Note]: this line says something and is not a definition"
    assert "example" not in c.search_text


def test_emphasis_is_dropped_but_stars_and_underscores_that_mean_something_stay():
    (c,) = md("# SQL\nThe _hybrid_ and *worst linear predictor* models, *A*uto*R*egressive.\n"
              "GRANT USAGE ON *.* TO admin; 2 * 3 * 4; call f(*args, **kwargs) in my_snake_case or __init__.\n")
    assert c.text == ("The hybrid and worst linear predictor models, AutoRegressive.\n"
                      "GRANT USAGE ON *.* TO admin; 2 * 3 * 4; call f(*args, **kwargs) in my_snake_case or __init__.")


@pytest.mark.parametrize("line", [
    "2*3*4 = 24, and the weight is mass*volume*g.",
    "E = m*c^2 relates them, and x*2 doubles x.",
    "See https://example.org/a_b_c_d/x*y*z for the data.",
    "Copy it to s3://bucket/_tmp_/file first.",
    "Visit www.example.org/_drafts_/*new* today.",
    "Delete C:\\logs\\*.txt and \\\\server\\share\\_old_\\*.bak every night.",
    "Use `C:\\logs\\*.txt` in the shell.",
])
def test_stars_underscores_and_backslashes_in_arithmetic_urls_and_paths_are_the_notes_own(line):
    (c,) = md("# Notes\n" + line + "\n")
    assert c.text == line.replace("`", "")
    assert stands_in(c.text, line)


@pytest.mark.parametrize("line, shown", [
    ("The figures come from a survey. *Source: https://example.com/paper*",
     "The figures come from a survey. Source: https://example.com/paper"),
    ("**See C:\\Temp\\x.log** before you start.", "See C:\\Temp\\x.log before you start."),
    ("Details are in the guide (**see https://example.org/a**)", "Details are in the guide (see https://example.org/a)"),
    ("Read *https://example.org/guide*.", "Read https://example.org/guide."),
])
def test_emphasis_around_a_url_or_path_ends_where_its_opener_says(line, shown):
    (c,) = md("# Notes\n" + line + "\n")
    assert c.text == shown


def test_a_transcript_in_a_code_block_keeps_every_backslash_of_its_paths():
    line = "So today we copy the logs from C:\\logs\\*.txt and \\\\server\\share into the bucket for later."
    (c,) = md("# Lecture\n```\n" + line + "\n```\n")
    assert c.kind != "code" and c.text == line


def test_emphasis_around_urls_and_paths_is_still_dropped():
    (c,) = md("# Links\nRead **www.example.org/docs**, _https://example.org/a_b_ and *C:\\Temp\\x.log*.\n"
              "![](https://example.org/img/pumpkin_sizes.png)\n")
    assert c.text == "Read www.example.org/docs, https://example.org/a_b and C:\\Temp\\x.log."
    assert c.captions == ("pumpkin sizes",)


def test_digits_on_both_sides_of_a_star_are_arithmetic_and_words_on_both_sides_of_a_pair_too():
    (c,) = md("# Maths\nThe ratio *2*3* holds, foo*bar* and *foo*bar are emphasis, A*B*C and a*b*c are products.\n")
    assert c.text == "The ratio 2*3 holds, foobar and foobar are emphasis, A*B*C and a*b*c are products."


@pytest.mark.parametrize("opener,closer", [("*a ", "a** "), ("_a ", "a__ ")])
def test_emphasis_matching_takes_time_in_proportion_to_the_line(opener, closer):
    def seconds(line: str) -> float:
        best = float("inf")
        for _ in range(2):
            began = time.perf_counter()
            md("# Long\n" + line + "\n")
            best = min(best, time.perf_counter() - began)
        return best

    n = 20_000
    hostile = opener * n + closer * n
    plain = ("*a* " * len(hostile))[: len(hostile)]  # the same length, with ordinary emphasis through the same path
    assert seconds(hostile) < 20 * seconds(plain)


def test_sub_and_superscripts_stay_apart_from_the_word_they_follow():
    line = ("The difference between actual<sub>t</sub> and predicted<sub>t</sub> over `DayOfYear`<sup>2</sup>, "
            "X<sup>2</sup>, *y*<sup>2</sup>, e<sup>-x</sup>, H<sub>2</sub>O and max<sub>a'</sub>Q(s',a'), see note <sup>1</sup>.")
    (c,) = md("# Formulas\n" + line + "\n")
    assert c.text == ("The difference between actual_t and predicted_t over DayOfYear^2, X^2, y^2, e^{-x}, H_{2}O and "
                      "max_{a'}Q(s',a'), see note 1.")
    assert stands_in(c.text, line)
    # retrieval reads the word whole, as a question writes it ("Why do plants need CO2?")
    (gas,) = md("# Plants\nLeaves take in CO<sub>2</sub> in the 19<sup>th</sup> century experiments.\n")
    assert "CO_2" in gas.text and "CO2" in gas.search_text and "19th" in gas.search_text
    from index.lexical import Vocabulary

    assert Vocabulary([gas.search_text]).unknown_names("Why do Leaves need CO2 in the 19th century?") == []


def test_markup_inside_quotes_list_items_code_spans_and_tables():
    chunks = md("# Lesson\n> ### [This lesson is available in R!](./solution/R/lesson.ipynb)\n>\n> The line of best fit:\n>\n"
                "> ```\n> Y = a + bX\n> ```\n\n* ##### [Jury awards $4\\.9M](https://example.org/post)\n* \n\n"
                "Use `<div>` and `&amp;` in <b>HTML</b>.\n\n| Operator | Meaning |\n|---|---|\n| `a \\| b` | a or b |\n")
    text = "\n".join(c.text for c in chunks if c.kind != "code")
    assert "This lesson is available in R!" in text and "#" not in text and "](" not in text
    assert "* Jury awards $4.9M" in text and "\n*\n" not in text + "\n" and not text.endswith("*")
    assert "Use <div> and &amp; in HTML." in text
    assert [c.text for c in chunks if c.kind == "code"] == [] and "The line of best fit:\nY = a + bX" in text
    assert "Operator: a | b; Meaning: a or b" in "\n".join(c.search_text for c in chunks)


def test_a_one_line_formula_block_reads_with_its_explanation():
    """An unlabelled block of one short line is a displayed formula, not a program: it stays in the passage that
    explains it, so a question about its terms finds both. A labelled block, or one of several lines, is code."""
    chunks = md("# Regression\nThe line of best fit is:\n\n```\nY = a + bX\n```\n\nHere b is the slope and a the "
                "intercept, the value of Y when X is zero.\n\n```python\nmodel.fit(X)\n```\n\n```\nx = 1\ny = 2\n```\n")
    formula = next(c for c in chunks if "Y = a + bX" in c.text)
    assert formula.kind == "text" and "b is the slope" in formula.text
    code = "\n".join(c.text for c in chunks if c.kind == "code")
    assert "model.fit(X)" in code and "x = 1\ny = 2" in code and "Y = a" not in code


def test_a_closing_hash_run_needs_a_space_before_it():
    chunks = md("# Learn C#\nIt is a language.\n\n## Setup ##\nInstall the SDK.\n")
    assert any(c.heading == "Learn C# > Setup" and "Install the SDK." in c.text for c in chunks)


@pytest.mark.skipif(not WEB_PAGE.exists(), reason="the shared peer files are not on this machine")
def test_a_saved_web_page_shows_no_markup_and_its_words_are_found(tmp_path, isolated_home):
    from index import HashEmbedder, Searcher, build, load as load_index

    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(WEB_PAGE, folder / WEB_PAGE.name)
    (note,), _ = discover([folder])
    chunks = load(note).chunks
    for c in chunks:
        for shown in (c.text, c.search_text, c.heading):
            assert "\\" not in shown and "](" not in shown and "#####" not in shown, shown
    assert "30 + Years of Experience" in {c.heading.rsplit(" > ", 1)[-1] for c in chunks}
    award = next(c for c in chunks if "multi-million-dollar settlements" in c.text)
    assert "Call Ron Burke at 212-808-8008" in award.text
    assert any("7 World Trade Center, Suite 2701\nNew York" in c.text for c in chunks)
    emb = HashEmbedder(256)
    build(isolated_home, [folder], emb)
    (hit, *_) = Searcher(load_index(isolated_home, model=emb.name), emb).search("multi-million-dollar", k=3)
    assert hit.chunk.text == award.text


def test_link_lists_are_navigation():
    chunks = md("# Lesson\nClustering groups similar points together without labels.\n\n## Further reading\n"
                "- [K-means explained](https://a.example/k)\n- [Elbow method](https://a.example/e)\n"
                "- [Silhouette score](https://a.example/s)\n")
    kinds = {c.heading: c.kind for c in chunks}
    assert kinds["Lesson > Further reading"] == "nav" or any(c.kind == "nav" for c in chunks)
    assert any(c.kind != "nav" and "Clustering groups" in c.text for c in chunks)


def test_a_lead_in_line_stays_with_its_list():
    text = "# Protocols\n" + "Some filler about networks that makes this section long enough to stand alone. " * 5 + \
           "\n\nUse UDP over TCP when:\n\n- latency matters more than delivery\n- you stream video\n"
    chunks = md(text)
    lead = next(c for c in chunks if "Use UDP over TCP when:" in c.text)
    assert "latency matters more than delivery" in lead.text


def test_a_bold_sentence_is_not_a_heading():
    chunks = md("# Notes\n**This whole line is an emphasised sentence that explains a rule.**\nMore text follows here.\n")
    assert all(c.heading == "Notes" for c in chunks)
    chunks = md("# Notes\nIntro text for the notes section that is long enough to be its own passage, really it is long.\n"
                "\n__Exam Note__\nLong polling reduces API calls.\n")
    assert any(c.heading == "Notes > Exam Note" for c in chunks)


def test_setext_headings():
    chunks = md("Queues\n======\nSQS keeps messages.\n\nFIFO\n----\nFIFO keeps order.\n")
    assert [c.heading for c in chunks] == ["Queues > FIFO"] or {c.heading for c in chunks} == {"Queues", "Queues > FIFO"}
    assert any("FIFO keeps order" in c.text and c.heading == "Queues > FIFO" for c in chunks)


def test_table_rows_are_indexed_with_their_header():
    chunks = md("# Results\n\n| Model | MSE | Determination |\n|---|---|---|\n| Linear | 2.77 | 0.07 |\n"
                "| Polynomial | 2.23 | 0.97 |\n")
    (c,) = [c for c in chunks if "Polynomial" in c.text]
    assert "Model: Polynomial; MSE: 2.23; Determination: 0.97" in c.search_text
    assert "| Polynomial | 2.23 | 0.97 |" in c.text


def test_code_blocks_are_passages_of_their_own():
    text = ("# Training\nWe fit the model on the training data and then score it on held-out data.\n\n"
            "```python\nmodel = LinearRegression()\nmodel.fit(X_train, y_train)\n```\n\nThe score tells how well it fits.\n")
    chunks = md(text)
    code = [c for c in chunks if c.kind == "code"]
    assert len(code) == 1 and "model.fit(X_train, y_train)" in code[0].text
    assert all("model.fit" not in c.text for c in chunks if c.kind != "code")


def test_pasted_transcripts_in_fences_stay_prose():
    chunks = md("# Lecture\n```\nSo today we will talk about queues and why they decouple your application components.\n```\n")
    assert chunks[0].kind != "code"


def test_nothing_without_words_is_a_passage():
    chunks = md("# Pictures\n![](images/diagram.png)\n\n---\n\n***\n\n## Words\nQueues decouple producers from consumers.\n")
    assert all(any(ch.isalpha() for ch in c.text) for c in chunks)
    assert all("diagram.png" not in c.text for c in chunks)
    assert any("diagram" in " ".join(c.captions) for c in chunks)


def test_sentence_ends_with_quotes_brackets_and_abbreviations():
    assert split_text('"I shall go," said he. "You will not."') == ['"I shall go," said he.', '"You will not."']
    assert split_text("He said it was over.\" Then he left.") == ['He said it was over."', "Then he left."]
    assert split_text("Mr. Smith met Dr. Jones, e.g. at noon. They talked.") == \
        ["Mr. Smith met Dr. Jones, e.g. at noon.", "They talked."]
    assert split_text("(This is a note.) Next one.") == ["(This is a note.)", "Next one."]


WRAPPED = """\
Prince Vasili always spoke languidly, like an actor repeating a stale
part. Anna Pavlovna Scherer on the contrary, despite her forty years,
overflowed with animation and impulsiveness. To be an enthusiast had
become her social vocation and, sometimes even when she did not feel
like it, she became enthusiastic in order not to disappoint the
expectations of those who knew her. The subdued smile which, though it
did not suit her faded features, always played round her lips expressed,
as in a spoiled child, a continual consciousness of her charming
defect, which she neither wished, nor could, nor considered it necessary,
to correct. In the midst of a conversation on political matters Anna
Pavlovna burst out: the prince answered her with a smile and a question
that he had been meaning to ask all evening long, about his son.

"Oh, don't speak to me of Austria. Perhaps I don't understand
things, but Austria never has wished, and does not wish, for war."
"""


def test_hard_wrapped_prose_is_never_cut_inside_a_sentence():
    lines = (WRAPPED * 3).split("\n")
    chunks = chunk_plain(lines, "notes/novel.txt")
    assert len(chunks) > 1 and all(len(c.text) <= MAX_CHARS for c in chunks)
    whole = " ".join(" ".join(line.split()) for line in lines if line.strip())
    for c in chunks:
        flat = " ".join(c.text.split())
        assert flat[-1] in '.!?"' or c is chunks[-1], flat[-40:]  # every passage ends at a sentence end
        assert flat in whole
    sentences = [s for c in chunks for s, _, _ in split_sentences(c)]
    assert any(s.startswith("To be an enthusiast had become her social vocation") for s in sentences)


def test_a_line_ending_in_a_word_that_cannot_end_a_sentence_goes_on_before_a_capital():
    """Text wrapped in a narrow column: "the story of" / "Reliance to be told" is one sentence, though the second line
    starts with a capital; a line ending in a content word before a capital stays a line of its own."""
    from ingest import Chunk

    text = ("I would like the story of\nMaria to be told in a book\nwhich has no final chapter.\n"
            "Shri Example Person\nChairman of the Board\nBig plans follow if you dream big.")
    chunk = Chunk(source="notes/a.pdf", heading="", start_line=1, end_line=6, text=text)
    sentences = [s for s, _, _ in split_sentences(chunk)]
    assert sentences[0] == "I would like the story of Maria to be told in a book which has no final chapter."
    assert "Shri Example Person" in sentences and "Chairman of the Board" in sentences
    # not where a reader set the lines apart (a slide's bullets, a table's rows), nor after a label in capitals
    slide = Chunk(source="notes/d.pptx", heading="Plans", start_line=None, end_line=None, unit="slide", first=2, last=2,
                  text="Pick one of the plans below and\nStart with the free plan today")
    assert len(split_sentences(slide)) == 2
    page = Chunk(source="notes/v.pdf", heading="", start_line=1, end_line=2, page=3,
                 text="Carrots are rich in Vitamin A\nOranges are rich in Vitamin C")
    assert len(split_sentences(page)) == 2
    web = Chunk(source="notes/p.html", heading="", start_line=3, end_line=4,
                text="Pick one of the plans below and\nStart with the free plan today.")  # two <p>, cited by lines
    assert len(split_sentences(web)) == 2


def test_a_pages_printed_section_title_starts_no_sentence():
    """A PDF page prints its section's title over the running text ("8.5 Tidal Locking" / "Over millions of years
    ..."): in running prose the two lines would join into one sentence, so the title would open the answer."""
    from ingest import Chunk

    page = Chunk(source="notes/book.pdf", heading="Orbits > Tidal Locking", start_line=None, end_line=None, page=12,
                 text="8.5 Tidal Locking\nOver millions of years a moon comes to show its planet one face,\nas ours does.",
                 kind="prose")
    assert [s for s, _, _ in split_sentences(page)] == ["8.5 Tidal Locking",
                                                        "Over millions of years a moon comes to show its planet one face, as ours does."]
    other = Chunk(source="notes/book.pdf", heading="Orbits > Resonance", start_line=None, end_line=None, page=12,
                  text=page.text, kind="prose")  # not its own title: a line of running text like any other
    assert len(split_sentences(other)) == 1


def test_a_blank_line_in_the_file_ends_a_sentence_in_running_prose():
    """A novel's "CHAPTER NINE" stands alone between blank lines; a passage keeps only its text lines, so the blank
    line is known from the line numbers: the chapter's first sentence does not open with its title."""
    from ingest import Chunk

    text = "They parted at the gate, and the rain went on.\nCHAPTER NINE\nThe ship sailed at dawn, and nobody\nwatched it go."
    novel = Chunk(source="notes/novel.txt", heading="", start_line=10, end_line=15, text=text, lines=(10, 12, 14, 15),
                  kind="prose")
    assert "The ship sailed at dawn, and nobody watched it go." in [s for s, _, _ in split_sentences(novel)]
    joined = Chunk(source="notes/novel.txt", heading="", start_line=10, end_line=13, text=text, lines=(10, 11, 12, 13),
                   kind="prose")  # no blank line between them: wrapped lines of one paragraph
    assert not any(s.startswith("The ship") for s, _, _ in split_sentences(joined))
    # Markdown leaves out a comment or an image line inside a paragraph: the line it skipped was not blank
    note = Chunk(source="notes/pumps.md", heading="Pumps", start_line=3, end_line=5, lines=(3, 5),
                 text="A pump moves fluid from a low\npressure region to a high one.")
    assert [s for s, _, _ in split_sentences(note)] == ["A pump moves fluid from a low pressure region to a high one."]
    # a figure's caption ends where its line does; "Figure x - axis" is no caption
    page = Chunk(source="notes/moon.pdf", heading="Orbits", start_line=None, end_line=None, page=4, kind="prose",
                 text="Figure 8.3: The orbit of the Moon\nThe Moon always shows the same face to the Earth.")
    assert [s for s, _, _ in split_sentences(page)][-1] == "The Moon always shows the same face to the Earth."
    from ingest.sentences import CAPTION

    assert CAPTION.match("Figure 8.3: The orbit of the Moon") and CAPTION.match("Table IV - Tides by month")
    assert not CAPTION.match("Figure x - axis shows the time of day.") and not CAPTION.match("Table salt is sodium chloride.")


def test_a_sentence_is_cited_to_the_lines_it_stands_on_not_its_whole_paragraph(tmp_path):
    """A hard-wrapped paragraph: each sentence cites its own lines (a card or an answer sentence points at them);
    a closed quotation ends its sentence, and a blank line ends a paragraph whatever its last character."""
    note = tmp_path / "novel.txt"
    note.write_text("\n".join([
        "The guests had gone into the garden before",           # 1
        "the rain. “You always keep a green light burning at",  # 2
        "the end of your dock.” Nobody answered him.",          # 3
        "",                                                     # 4
        "“I beg your pardon.”",                                 # 5
        "",                                                     # 6
        "The butler was suddenly standing beside us.",          # 7
        "“Did you give him the letter?”",                       # 8
        "asked the host quietly.",                              # 9
    ]) + "\n", encoding="utf-8")
    [found] = discover([note])[0]
    cited = {}
    for chunk in load(found).chunks:
        for text, first, last in split_sentences(chunk):
            cited[text] = (chunk.line_of(first), chunk.line_of(last))
    assert cited["The guests had gone into the garden before the rain."] == (1, 2)
    assert cited["“You always keep a green light burning at the end of your dock.”"] == (2, 3)
    assert cited["Nobody answered him."] == (3, 3)
    assert cited["“I beg your pardon.”"] == (5, 5)
    assert cited["The butler was suddenly standing beside us."] == (7, 7)
    assert cited["“Did you give him the letter?” asked the host quietly."] == (8, 9)  # who said it stays with it
