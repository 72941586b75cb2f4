"""Markdown and prose as students write them: each rule is general, and each test breaks if the rule does."""
from __future__ import annotations

from ingest import split_sentences
from ingest.markdown import chunk_markdown, chunk_plain
from ingest.pack import MAX_CHARS
from ingest.sentences import split_text


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
