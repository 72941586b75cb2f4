"""Passages: heading paths, sizes, and citations that point at the right lines."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import NoteFile, discover, load, normalize
from ingest.markdown import caption, chunk_markdown
from ingest.pack import MAX_CHARS
from ingest.textfile import read_lines

from .conftest import NOTES, SHARED, stands_in


def chunks_of(tmp_path: Path, text: str | bytes, name: str = "n.md"):
    folder = tmp_path / "notes"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    files, _ = discover([folder])
    return load(files[0])


def real_chunks():
    files, _ = discover([NOTES])
    result = load(files[0])
    assert result.error is None
    return result.chunks, read_lines(files[0].path, "x")[0]


def test_every_real_passage_stands_in_the_lines_it_cites():
    chunks, lines = real_chunks()
    assert len(chunks) > 80
    for c in chunks:
        cited = "\n".join(lines[c.start_line - 1 : c.end_line])
        assert stands_in(c.text, cited), c.citation
        assert c.source == "notes/aws-developer-notes.md"
        # each text line knows its own file line, and that line holds it
        for i, text_line in enumerate(c.text.split("\n")):
            assert stands_in(text_line, lines[c.line_of(i) - 1])


def _shared_markdown() -> list[Path]:
    """Every Markdown note of the shared corpora and peer files on this machine (none on a bare checkout)."""
    found = [*SHARED.glob("eval/corpora/*/notes/**/*.md"), *SHARED.glob("peer-files*/**/*.md")]
    return sorted(p for p in found if p.is_file())


@pytest.mark.parametrize("path", _shared_markdown() or [None], ids=lambda p: str(p.relative_to(SHARED)) if p else "none")
def test_every_passage_of_every_real_markdown_note_stands_in_its_lines(path):
    if path is None:
        pytest.skip("no shared Markdown notes on this machine")
    lines = read_lines(path, path.name)[0]
    result = load(NoteFile(path, f"notes/{path.name}"))
    assert result.chunks or "no text" in (result.error or ""), (path, result.error)  # a page of emoji pictures has none
    for c in result.chunks:
        assert stands_in(c.text, "\n".join(lines[c.start_line - 1 : c.end_line])), c.citation
        for i, text_line in enumerate(c.text.split("\n")):
            assert stands_in(text_line, lines[c.line_of(i) - 1]), (c.citation, text_line)


def test_real_passages_are_short_enough_to_cite():
    chunks, _ = real_chunks()
    sizes = [len(c.text) for c in chunks]
    assert sum(sizes) / len(sizes) < 600
    assert max(sizes) <= MAX_CHARS  # the chunker's own limit, not a looser one of the test's


def test_heading_path_uses_bold_and_italic_subheadings():
    chunks, lines = real_chunks()
    long_polling = [c for c in chunks if "Long Polling because" in c.text]
    assert len(long_polling) == 1
    assert long_polling[0].heading == "Setion20 SQS, SNS & Kinesis > Exam Note"
    assert "Exam Note" not in long_polling[0].text  # the heading path is not part of the text
    intro = next(c for c in chunks if "IAM has a global view" in c.text)
    assert intro.heading == "Section4_IAM+AWS CLI > IAM(Identity and Access Management) > Introduction"


def test_long_transcript_line_is_split_and_each_piece_cites_that_line(tmp_path):
    sentence = "Long polling reduces the number of empty responses from the queue. "
    result = chunks_of(tmp_path, "# Q\n\n```\n" + sentence * 30 + "\n```\n")
    assert len(result.chunks) > 1
    assert all(c.start_line == c.end_line == 4 for c in result.chunks)
    assert all(len(c.text) <= MAX_CHARS for c in result.chunks)


def test_missing_images_become_captions(tmp_path):
    result = chunks_of(tmp_path, "# IAM\nIAM decides who may do what.\n\n## Policy\n![](./images/IAM_Policy_Structure.png)\n")
    (chunk,) = result.chunks
    assert chunk.captions == ("IAM Policy Structure",)
    assert "IAM Policy Structure" in chunk.search_text
    assert caption("SecurityGroup_Inbound_Outbound_Traffic.png") == "Security Group Inbound Outbound Traffic"


def test_fenced_lines_are_not_headings(tmp_path):
    result = chunks_of(tmp_path, "# A\n```\n# not a heading\n__not bold heading__\n```\n")
    assert [c.heading for c in result.chunks] == ["A"]
    assert "not a heading" in result.chunks[0].text


def test_lines_are_counted_like_an_editor(tmp_path):
    # BOM, CRLF, a lone CR, and a form feed that must not start a new line
    data = "\ufeffone\r\ntwo\rthree\x0cstill three\nfour\n".encode("utf-8")
    result = chunks_of(tmp_path, data, "t.txt")
    text = "\n".join(c.text for c in result.chunks)
    assert not text.startswith("\ufeff")
    lines = {normalize(l): c.line_of(i) for c in result.chunks for i, l in enumerate(c.text.split("\n"))}
    assert lines["one"] == 1 and lines["two"] == 2 and lines["four"] == 4
    assert lines[normalize("three\x0cstill three")] == 3


def test_cp1252_is_decoded_with_a_warning(tmp_path):
    result = chunks_of(tmp_path, "caf\xe9 \u2019quoted\u2019 notes about queues\n".encode("cp1252"))
    assert result.error is None
    assert "café" in result.chunks[0].text
    assert any("cp1252" in w for w in result.warnings)


@pytest.mark.parametrize("data,expected", [(b"", "empty"), (b"\x00\x01\x02binary", "binary")])
def test_bad_text_files_get_a_clear_error(tmp_path, data, expected):
    result = chunks_of(tmp_path, data)
    assert result.chunks == []
    assert expected in result.error


def test_separator_heading_is_not_a_section():
    chunks = chunk_markdown(["## A", "x y z", "## =====", "## B", "b text here"], "n.md")
    assert [c.heading for c in chunks] == ["A", "B"]


def _tale(n: int = 24) -> list[str]:
    """Long paragraphs of an invented story, each its own."""
    return [f"On the morning of day {i} the ferryman Oskar rowed the grain across the lake to the mill, counting "
            f"{i + 3} sacks as the mist lifted; the miller's daughter paid him in bread and told him the road to the "
            f"quarry had flooded again, so he would have to wait until evening before the carts came down." for i in range(n)]


def test_a_story_of_long_paragraphs_reads_as_prose_whether_or_not_it_is_hard_wrapped(tmp_path):
    """A novel saved one paragraph a line, or written in Word, is read as running prose (its passages read with
    their neighbours) as a hard-wrapped one is; notes with a heading every few paragraphs are not, nor a short file."""
    import textwrap

    import docx

    paragraphs = _tale()
    (tmp_path / "tale.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    doc = docx.Document()
    doc.add_heading("Chapter One", level=1)
    for p in ["CHAPTER ONE", *paragraphs]:
        doc.add_paragraph(p)
    doc.save(tmp_path / "tale.docx")
    (tmp_path / "notes.md").write_text("".join(f"## Crossing {i}\n\n{p}\n\n" for i, p in enumerate(paragraphs)), encoding="utf-8")
    (tmp_path / "short.txt").write_text("\n\n".join(paragraphs[:3]) + "\n", encoding="utf-8")
    # a web page's reader cuts its paragraphs into sentences (short ones here): still a story by its paragraphs
    said = ["Oskar rowed the grain across the lake.", "The mist lifted over the water.", "The gulls followed him.",
            "The miller's daughter paid him in bread.", "She said the quarry road had flooded again."]
    story = [" ".join(said[i % 5:] + said[:i % 5]) + f" It was the morning of day {i}." for i in range(40)]
    (tmp_path / "tale.html").write_text("<html><body><h1>Chapter One</h1>\n" + "\n".join(
        textwrap.fill(f"<p>{p}</p>", 72) for p in story) + "\n</body></html>", encoding="utf-8")  # source wrapped
    (tmp_path / "notes.html").write_text("<html><body>" + "".join(f"<h2>Crossing {i}</h2><p>{p}</p>" for i, p in
                                                                  enumerate(paragraphs)) + "</body></html>", encoding="utf-8")
    names = ("tale.txt", "tale.docx", "tale.html", "notes.md", "notes.html", "short.txt")
    kinds = {name: {c.kind for c in load(NoteFile(tmp_path / name, f"notes/{name}")).chunks} for name in names}
    assert kinds == {"tale.txt": {"prose"}, "tale.docx": {"prose"}, "tale.html": {"prose"}, "notes.md": {"text"},
                     "notes.html": {"text"}, "short.txt": {"text"}}


def test_a_word_story_keeps_each_paragraph_its_own_sentences(tmp_path):
    """In running prose read from Word each line is a paragraph: a chapter title ends where its paragraph does."""
    import docx

    from ingest.sentences import split_sentences

    doc = docx.Document()
    for p in ["THE SECOND CROSSING OF THE LAKE", *_tale()]:
        doc.add_paragraph(p)
    doc.save(tmp_path / "tale.docx")
    first = load(NoteFile(tmp_path / "tale.docx", "notes/tale.docx")).chunks[0]
    assert first.kind == "prose"
    assert [text for text, _, _ in split_sentences(first)][0] == "THE SECOND CROSSING OF THE LAKE"


def test_a_story_is_cut_into_the_same_passages_whether_hard_wrapped_one_paragraph_a_line_or_in_word(tmp_path):
    """Running prose is packed sentence by sentence however it was saved, so the same story gives the same
    passages (and the same answers) as a wrapped text file, an unwrapped one, a Word document and Markdown."""
    import textwrap

    import docx

    paragraphs = [p + " The ferry was late that day. Nobody minded." * (i % 3) for i, p in enumerate(_tale())]
    (tmp_path / "wrapped.txt").write_text("\n\n".join(textwrap.fill(p, 72) for p in paragraphs) + "\n", encoding="utf-8")
    (tmp_path / "unwrapped.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    doc = docx.Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    doc.save(tmp_path / "story.docx")
    (tmp_path / "story.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    passages = {name: [" ".join(c.text.split()) for c in load(NoteFile(tmp_path / name, f"notes/{name}")).chunks]
                for name in ("wrapped.txt", "unwrapped.txt", "story.docx", "story.md")}
    assert len(passages["wrapped.txt"]) > 5
    assert passages["unwrapped.txt"] == passages["wrapped.txt"] == passages["story.docx"] == passages["story.md"]


def test_a_heading_of_a_whole_paragraph_is_read_as_text_in_every_document_format():
    """An EPUB's or web page's <h2> around a whole paragraph (a Markdown paragraph underlined by '---' becomes one)
    is text that answers, not a heading path that no passage holds."""
    from ingest.blocks import MAX_HEADING_CHARS, Block, chunk_blocks

    long = ("By the end of that winter it had become clear that the harbour's promise, given the ships available to "
            "it, had been overstated, and the merchants moved their trade to the river port.")
    assert len(long) > MAX_HEADING_CHARS
    chunks = chunk_blocks([Block(1, "Harbour history", level=1), Block(2, long, level=2),
                           Block(3, "Trade fell by half within two years.")], "notes/h.epub", "chapter", chapter=1)
    assert [c.heading for c in chunks] == ["Harbour history"]
    assert long in chunks[0].text and "Trade fell" in chunks[0].text


def test_in_a_story_saved_one_paragraph_a_line_a_paragraph_ends_its_sentence(tmp_path):
    """Markdown or a web page of running prose: each line (element) is a paragraph, so a line ending in a dash and
    a closing quote, or a chapter title, does not run on into the next paragraph's sentence."""
    from ingest.sentences import split_sentences

    paragraphs = [*_tale(30), "“I will not go unless you tell me what—”", "The door opened and the doctor came in with his bag."]
    (tmp_path / "s.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    (tmp_path / "s.html").write_text("<html><body>" + "\n".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>",
                                     encoding="utf-8")
    for name in ("s.md", "s.html"):
        chunks = load(NoteFile(tmp_path / name, f"notes/{name}")).chunks
        assert {c.kind for c in chunks} == {"prose"}, name
        sentences = [text for c in chunks for text, _, _ in split_sentences(c)]
        assert "The door opened and the doctor came in with his bag." in sentences, (name, sentences[-3:])
