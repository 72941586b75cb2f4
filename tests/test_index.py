"""The index on disk: rows match passages, manifest guards the model, failures lose nothing."""
from __future__ import annotations

import json

import numpy as np
import pytest

from index.store import FORMAT_VERSION
from index import HashEmbedder, IndexMismatch, IndexMissing, NothingToIndex, Searcher, build, load

from .conftest import make_pdf


def test_row_i_is_passage_i_after_reload(isolated_home, notes_copy):
    emb = HashEmbedder(256)
    report = build(isolated_home, [notes_copy], emb)
    stored = load(isolated_home, model=emb.name)
    assert len(stored.chunks) == report.passages == stored.faiss_index.ntotal
    expected = emb.embed([c.search_text for c in stored.chunks])
    assert np.allclose(stored.vectors(), expected, atol=1e-6)
    # sentence rows point at their passage, and their text stands in it
    from ingest import normalize

    from ingest import cut_between as cut

    chunks = list(stored.chunks)
    split = [[(s.text, s.line, s.last_line) for s, _ in stored.sentences(row)] for row in range(len(chunks))]

    def said(row: int, n: int) -> str:
        """The sentence, whole where a passage boundary cut it (both halves are embedded as the whole)."""
        text = split[row][n][0]
        if n == len(split[row]) - 1 and row + 1 < len(chunks) and split[row + 1] \
                and cut(chunks[row], chunks[row + 1], split[row][n], split[row + 1][0]):
            return f"{text} {split[row + 1][0][0]}"
        if n == 0 and row > 0 and split[row - 1] and cut(chunks[row - 1], chunks[row], split[row - 1][-1], split[row][0]):
            return f"{split[row - 1][-1][0]} {text}"
        return text

    total = cut_halves = 0
    for row, chunk in enumerate(stored.chunks):
        for n, (s, vector_row) in enumerate(stored.sentences(row)):
            lines = chunk.text.split("\n")[s.line : s.last_line + 1]
            assert normalize(s.text) in normalize(" ".join(lines))
            cut_halves += said(row, n) != s.text
            expected_vec = emb.embed([chunk.heading.rsplit(" > ", 1)[-1] + ": " + said(row, n)])[0]
            assert np.allclose(stored.sentence_vectors[vector_row : vector_row + 1][0], expected_vec, atol=1e-6)
            total += 1
    assert total == len(stored.sentence_vectors) > 0
    assert cut_halves % 2 == 0 and 0 < cut_halves < total / 20  # the course notes' transcript holds a few
    manifest = json.loads((stored.folder / "manifest.json").read_text())
    assert manifest["model"] == "hash:256" and manifest["dim"] == 256 and manifest["format_version"] == FORMAT_VERSION
    assert "chunker" in manifest


def test_other_model_is_refused_with_a_clear_message(isolated_home, notes_copy):
    build(isolated_home, [notes_copy], HashEmbedder(256))
    with pytest.raises(IndexMismatch, match="study ingest"):
        load(isolated_home, model="hash:128")
    build(isolated_home, [notes_copy], HashEmbedder(128))  # `study ingest` rebuilds with the new model
    assert load(isolated_home, model="hash:128").manifest.dim == 128


def test_missing_index_says_what_to_run(isolated_home):
    with pytest.raises(IndexMissing, match="study ingest"):
        load(isolated_home)


def test_unchanged_notes_are_not_embedded_again(isolated_home, notes_copy):
    emb = HashEmbedder(64)
    first = build(isolated_home, [notes_copy], emb)
    again = build(isolated_home, [notes_copy], emb)
    assert first.embedded > first.passages and again.embedded == 0
    path = notes_copy / "aws-developer-notes.md"
    path.write_text(path.read_text() + "\n## New section\nA brand new fact about queues.\n")
    edited = build(isolated_home, [notes_copy], emb)
    assert edited.embedded == 2  # the new passage and its one sentence, nothing else
    assert edited.passages == first.passages + 1


def test_failed_build_keeps_the_previous_index(isolated_home, notes_copy, tmp_path):
    emb = HashEmbedder(64)
    build(isolated_home, [notes_copy], emb)
    before = load(isolated_home).folder
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NothingToIndex):
        build(isolated_home, [empty], emb)
    (empty / "broken.md").write_bytes(b"")
    with pytest.raises(NothingToIndex):
        build(isolated_home, [empty], emb)
    assert load(isolated_home).folder == before


def test_one_bad_file_does_not_stop_the_others(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Queues\nSQS decouples producers and consumers.\n")
    (notes / "bad.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (notes / "empty.txt").write_text("")
    report = build(isolated_home, [notes], HashEmbedder(64))
    assert report.passages == 1
    failed = {f["path"]: f["error"] for f in report.failed}
    assert set(failed) == {"notes/bad.pdf", "notes/empty.txt"}
    assert "PDF" in failed["notes/bad.pdf"] and "empty" in failed["notes/empty.txt"]


def test_pdf_passages_cite_their_page(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    make_pdf(notes / "course.pdf", ["Kinesis shards carry streaming records.", "Long polling lowers the number of API calls."])
    build(isolated_home, [notes], HashEmbedder(256))
    searcher = Searcher.open(isolated_home, HashEmbedder(256))
    top = searcher.search("long polling API calls", k=1)[0]
    assert top.chunk.page == 2 and top.chunk.source == "notes/course.pdf"
    assert top.chunk.start_line is None and top.chunk.citation == "notes/course.pdf p.2"


def test_hybrid_finds_exact_terms(isolated_home, notes_copy):
    emb = HashEmbedder(256)
    build(isolated_home, [notes_copy], emb)
    searcher = Searcher.open(isolated_home, emb)
    top = searcher.search("ProvisionedThroughputExceeded", k=3)
    assert "ProvisionedThroughputExceeded" in top[0].chunk.text
    ranks = [h.rank for h in top]
    assert ranks == sorted(ranks) and len({h.row for h in top}) == len(top)


def test_edit_delete_rename_touch(isolated_home, tmp_path):
    import os

    notes = tmp_path / "notes"
    notes.mkdir()
    for name, body in [("a.md", "# A\nAlpha facts about queues.\n"), ("b.md", "# B\nBeta facts about streams.\n"),
                       ("c.txt", "Gamma facts about tables.\n")]:
        (notes / name).write_text(body)
    emb = HashEmbedder(64)
    first = build(isolated_home, [notes], emb)
    assert (first.added, first.updated, first.removed, first.unchanged) == (3, 0, 0, 0)
    same = build(isolated_home, [notes], emb)
    assert (same.unchanged, same.embedded, same.written) == (3, 0, False)
    (notes / "a.md").write_text("# A\nAlpha facts about queues.\n\nA new line on dead letter queues.\n")
    edit = build(isolated_home, [notes], emb)
    assert (edit.added, edit.updated, edit.unchanged) == (0, 1, 2) and 0 < edit.embedded <= 3
    (notes / "b.md").unlink()
    gone = build(isolated_home, [notes], emb)
    assert gone.removed == 1 and all(c.source != "notes/b.md" for c in load(isolated_home).chunks)
    (notes / "c.txt").rename(notes / "renamed.txt")
    moved = build(isolated_home, [notes], emb)
    assert (moved.added, moved.removed, moved.embedded) == (1, 1, 0)  # same text: vectors reused
    os.utime(notes / "a.md", ns=(1, 1))
    touched = build(isolated_home, [notes], emb)
    assert touched.unchanged == 2 and touched.embedded == 0
    sources = [c.source for c in load(isolated_home).chunks]
    assert sorted(set(sources)) == ["notes/a.md", "notes/renamed.txt"]
    assert len(sources) == len(set((c.source, c.start_line) for c in load(isolated_home).chunks))  # no duplicates


def test_copied_paragraph_is_shown_once(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    para = "Long polling reduces the number of empty receives and API calls made to the queue by consumers.\n"
    (notes / "a.md").write_text("# A\n" + para)
    (notes / "b.md").write_text("# B\n" + para)
    (notes / "c.md").write_text("# C\nShort polling returns at once, even with an empty queue, and costs more calls.\n")
    build(isolated_home, [notes], HashEmbedder(256))
    hits = Searcher.open(isolated_home, HashEmbedder(256)).search("long polling API calls queue", k=3)
    assert [h.chunk.source for h in hits].count("notes/a.md") + [h.chunk.source for h in hits].count("notes/b.md") == 1
    assert len(hits) == 2


def test_an_identifier_typed_exactly_finds_the_passage_that_writes_it(isolated_home, tmp_path):
    """'precision_score' is one word to search by (and its parts still match prose), and a passage writing the
    identifier a query types comes before passages that only share its parts."""
    from index.lexical import looked_up, tokenize

    whole = tokenize("precision_score")[0]
    assert "_" in whole and {whole, *tokenize("precision score")} <= set(tokenize("Call precision_score(y, p)."))
    assert looked_up("precision_score or number17x3 in DecisionTreeClassifier?") == [
        tokenize(word)[0] for word in ("precision_score", "number17x3", "DecisionTreeClassifier")]
    assert looked_up("How precise is the score in 2024?") == []
    assert looked_up("My application on EC2 times out when I connect, what is wrong?") == []  # mentioned, not sought
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "metrics.md").write_text(
        "# Precision\nPrecision is the score of a classifier: the share of its positive predictions that are right."
        " A high precision score means few false alarms; the precision of a score matters.\n\n"
        "# Code\nThe metrics module has it: `m = precision_score(labels, guesses)` returns a float.\n")
    build(isolated_home, [notes], HashEmbedder(256))
    top = Searcher.open(isolated_home, HashEmbedder(256)).search("precision_score", k=1)[0]
    assert "precision_score" in top.chunk.text


def test_large_index_switches_to_ivf_and_still_finds_exact_matches(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    words = "queue shard stream lambda bucket policy role table index cache replica subnet gateway".split()
    for i in range(60):
        body = "\n\n".join(f"Fact {i}-{j} about {words[(i + j) % len(words)]} and {words[(i * j) % len(words)]} number{i}x{j}."
                           for j in range(8))
        (notes / f"n{i}.md").write_text(f"# Topic {i}\n{body}\n")
    emb = HashEmbedder(64)
    build(isolated_home, [notes], emb, ann_threshold=50)
    stored = load(isolated_home)
    assert stored.manifest.ann == "ivf" and stored.faiss_index.ntotal == len(stored.chunks) > 50
    top = Searcher.open(isolated_home, emb).search("number17x3", k=1)[0]
    assert "number17x3" in top.chunk.text


def test_a_paragraph_copied_into_several_notes_is_shown_once(isolated_home, tmp_path):
    """The same slide pasted into three decks, and once reworded a little, is one hit (the best), so the other
    places do not push a different answer out of the top k."""
    notes = tmp_path / "dup-notes"
    notes.mkdir()
    copied = "Photosynthesis turns light, water and carbon dioxide into glucose and oxygen inside the chloroplasts."
    for name in ("week1.md", "week2.md", "revision.md"):
        (notes / name).write_text(f"# Plants\n\n{copied}\n")
    (notes / "reworded.md").write_text(f"# Plants\n\n{copied} (See lab 3.)\n")
    (notes / "other.md").write_text("# Cells\n\nMitochondria release energy from glucose by respiration in the cell.\n")
    emb = HashEmbedder(64)
    build(isolated_home, [notes], emb)
    hits = Searcher(load(isolated_home, model=emb.name), emb).search("photosynthesis glucose chloroplasts", k=5)
    texts = [h.chunk.text for h in hits]
    assert sum(copied in t for t in texts) == 1, texts
    assert any("Mitochondria" in t for t in texts)


def test_an_exact_copy_is_skipped_without_comparing_phrasing(isolated_home, tmp_path, monkeypatch):
    """At a million passages the phrasing comparison of every copy was most of a question's time."""
    import index.search as search

    notes = tmp_path / "copies"
    notes.mkdir()
    for i in range(6):
        (notes / f"deck{i}.md").write_text("# Plants\n\nPhotosynthesis turns light and water into glucose in leaves.\n")
    emb = HashEmbedder(64)
    build(isolated_home, [notes], emb)
    searcher = Searcher(load(isolated_home, model=emb.name), emb)
    compared = []
    monkeypatch.setattr(search, "_shingles", lambda text: compared.append(text) or {tuple(text.split()[:3])})
    hits = searcher.search("photosynthesis glucose", k=5)
    assert len(hits) == 1 and len(compared) == 1


def test_what_a_passage_does_is_decided_from_its_shape():
    from ingest import Chunk
    from index.roles import ASKS, EXPLAINS, LEADS, TELLS, role

    def chunk(text, kind="text"):
        return Chunk(source="notes/n.md", heading="N", text=text, start_line=1, end_line=1 + text.count("\n"), kind=kind)

    exercise = "1. How many moons does the planet have?\n2. Which one is the largest?\n3. Plot their orbits."
    assert role(chunk(exercise)) == ASKS
    assert role(chunk("Install the packages the file lists:")) == LEADS
    told = "The planet has 95 known moons. The largest is bigger than Mercury. Why so many? Its gravity is strong."
    assert role(chunk(told)) == TELLS  # one question among statements
    assert role(chunk("Why is the sky blue? Air scatters blue light most.")) == TELLS  # a question and its answer
    assert role(chunk("A long paragraph that explains a great deal. " * 12 + "Then:")) == TELLS
    # content first, a lead-in after it: the passage tells
    assert role(chunk("A low error is best: a forecast with an error of 10 is off by ten percent. Let us plot it:")) == TELLS
    assert role(chunk('"Why did you come?" she asked. "Where is he?"', kind="prose")) == TELLS  # a story's dialogue
    assert role(chunk("def f():", kind="code")) == TELLS
    # a reason given, in notes or a story: the passage explains (an exercise asking "why" still asks)
    assert role(chunk("Iron rusts faster by the sea because salt water carries the charge.")) == EXPLAINS
    assert role(chunk("He left early so that nobody would see the letter.", kind="prose")) == EXPLAINS
    assert role(chunk("1. Why does iron rust?\n2. Why is the sea salty?")) == ASKS
    assert role(chunk("# because\nreturn x  # because the cache may be cold", kind="code")) == TELLS


def test_a_passage_that_asks_ranks_below_the_one_that_answers(isolated_home, tmp_path):
    """An exercise list repeats the question's words; the passage that answers it comes first."""
    notes = tmp_path / "role-notes"
    notes.mkdir()
    (notes / "planets.md").write_text(
        "# Planets\n\n## Exercise\n\n1. How many moons does Jupiter have?\n2. What are the rings of Saturn made of?\n"
        "3. Why is Mars red?\n\n"
        "## Moons\n\nJupiter does have many moons: 95 of them, more than Earth or Mars.\n\n"
        "## Rings\n\nSaturn has bright rings of ice and rock around its equator.\n")
    emb = HashEmbedder(256)
    build(isolated_home, [notes], emb)
    stored = load(isolated_home, model=emb.name)
    hits = Searcher(stored, emb).search("How many moons does Jupiter have?", k=3)
    assert "95 of them" in hits[0].chunk.text, [h.chunk.text for h in hits]
    assert any("How many moons" in h.chunk.text for h in hits[1:])  # still found, only lower


def test_a_why_question_weighs_a_passage_that_gives_a_reason_above_one_that_only_tells(isolated_home, tmp_path):
    from index.search import WHY_WEIGHT

    notes = tmp_path / "why-notes"
    notes.mkdir()
    (notes / "iron.md").write_text("# Iron\n\nIron rusts in damp air and the rust flakes off the surface.\n\n"
                                   "# Salt\n\nSea air speeds it up because salt water carries the charge between metal and air.\n")
    emb = HashEmbedder(256)
    build(isolated_home, [notes], emb)
    searcher = Searcher(load(isolated_home, model=emb.name), emb)
    rows = np.arange(len(searcher.chunks))
    explains = ["because" in searcher.chunks[int(r)].text for r in rows]
    for question, weighed in (("Why does iron rust faster by the sea?", True), ("How come it rusts?", True),
                              ("What reason does the text give for the rust?", True),
                              ("What harm can salt cause to iron?", False),
                              ("What does iron do in damp air?", False)):
        weights = searcher._weights(rows, question)
        assert np.allclose(weights, [WHY_WEIGHT if weighed and e else 1.0 for e in explains]), question
    assert any(explains) and not all(explains)


def test_an_index_written_before_roles_is_rewritten_without_embedding(isolated_home, notes_copy):
    """An index from before roles (or from older role rules) is given them by the next ingest, every vector reused,
    and only once: the ingest after that keeps the live index."""
    from index import integrity
    from index.store import ROLES

    emb = HashEmbedder(64)
    build(isolated_home, [notes_copy], emb)
    folder = load(isolated_home, model=emb.name).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["roles"]
    del manifest["roles"]  # as an older version wrote it
    manifest["checksum"] = integrity.manifest_checksum(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    old = load(isolated_home, model=emb.name)
    assert not old.has_roles and not old.chunks.roles.any()
    again = build(isolated_home, [notes_copy], emb)
    assert again.embedded == 0 and again.written
    fresh = load(isolated_home, model=emb.name)
    assert fresh.has_roles and fresh.folder != folder and (fresh.folder / ROLES).exists()
    assert len(fresh.chunks) == len(old.chunks) and fresh.files.keys() == old.files.keys()
    third = build(isolated_home, [notes_copy], emb)
    assert not third.written and load(isolated_home, model=emb.name).folder == fresh.folder


def test_an_upgrade_that_changes_passage_rules_reads_every_file_again_but_embeds_only_new_text(isolated_home, notes_copy):
    """An index whose passages an older version cut (another chunker) is refused by search with a clear line; the
    next ingest reads every file again and reuses the vector of every text that came out the same."""
    from ingest import CHUNKER_VERSION
    from index import integrity

    emb = HashEmbedder(64)
    first = build(isolated_home, [notes_copy], emb)
    folder = load(isolated_home, model=emb.name).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["chunker"] = "blocks-v0"  # as an older version wrote it
    manifest["checksum"] = integrity.manifest_checksum(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="study ingest"):
        load(isolated_home, model=emb.name)
    again = build(isolated_home, [notes_copy], emb)
    assert (again.updated, again.unchanged, again.added) == (first.files, 0, 0)  # every file read again
    assert again.embedded == 0 and again.reused > first.passages and again.written
    fresh = load(isolated_home, model=emb.name)
    assert fresh.manifest.chunker == CHUNKER_VERSION and len(fresh.chunks) == first.passages
    third = build(isolated_home, [notes_copy], emb)
    assert (third.unchanged, third.written) == (first.files, False)


def test_an_older_index_without_sentence_keys_reuses_only_what_it_can_match(isolated_home, notes_copy):
    """Sentence vectors are stored by row, not by text: rows split by other rules than today's cannot be matched to
    texts without the keys an index now keeps beside them. Such an index gives its passage vectors (stored with
    their text) and nothing else; every vector of the new index is the one of its own text."""
    from index import integrity
    from index.store import SENTENCE_KEYS

    emb = HashEmbedder(64)
    first = build(isolated_home, [notes_copy], emb)
    folder = load(isolated_home, model=emb.name).folder
    assert (folder / SENTENCE_KEYS).exists()
    (folder / SENTENCE_KEYS).unlink()  # as an older version wrote it
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["contents"][SENTENCE_KEYS]
    manifest["chunker"] = "blocks-v0"
    manifest["checksum"] = integrity.manifest_checksum(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    again = build(isolated_home, [notes_copy], emb)
    fresh = load(isolated_home, model=emb.name)
    sentences = len(fresh.sentence_vectors.read_all())
    # passages kept, sentences embedded anew (but for one whose text is also a passage's, reused by that key)
    assert again.embedded + again.reused == first.passages + sentences
    assert first.passages <= again.reused < first.passages + sentences // 10
    row = next(r for r in range(len(fresh.chunks)) if fresh.sentences(r))
    (sentence, vector_row), = fresh.sentences(row)[:1]
    expected = emb.embed([fresh.chunks[row].heading.rsplit(" > ", 1)[-1] + ": " + sentence.text])[0]
    assert np.allclose(fresh.sentence_vectors.read_all()[vector_row], expected, atol=1e-6)


def test_a_large_index_asks_for_a_questions_rows_at_once(isolated_home, notes_copy, monkeypatch):
    """Above PREFETCH_ABOVE passages a question first asks the kernel for every row it will read (so cold reads
    overlap); the answer is the same, and the rows asked for cover the hits' passages and sentence vectors."""
    import os

    import index.search as search

    emb = HashEmbedder(64)
    build(isolated_home, [notes_copy], emb)
    stored = load(isolated_home, model=emb.name)
    searcher = Searcher(stored, emb)
    before = [(h.row, h.score) for h in searcher.search("why use long polling with SQS", k=5, sentences=5)]
    advised = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, size, advice: advised.append((fd, offset, size, advice)),
                        raising=False)
    monkeypatch.setattr(search, "PREFETCH_ABOVE", 0)
    hits = searcher.search("why use long polling with SQS", k=5, sentences=5)
    assert [(h.row, h.score) for h in hits] == before
    assert {a[3] for a in advised} == {os.POSIX_FADV_WILLNEED}
    spans = {(fd, offset, size) for fd, offset, size, _ in advised}
    vectors, passages = stored.sentence_vectors, stored.chunks
    for h in hits:
        first, last = int(stored.sentence_offsets[h.row]), int(stored.sentence_offsets[h.row + 1])
        if last > first:
            assert (vectors.fd, vectors.header + first * vectors.row_bytes, (last - first) * vectors.row_bytes) in spans
        start, stop = int(passages.offsets[h.row]), int(passages.offsets[h.row + 1])
        assert (passages.fd, start, stop - start) in spans


def test_roles_of_older_rules_serve_until_the_next_ingest_rewrites_them(isolated_home, notes_copy):
    """A later version of the role rules only adds roles: the passages that ask or lead in stay weighed down meanwhile."""
    from index import integrity

    emb = HashEmbedder(64)
    build(isolated_home, [notes_copy], emb)
    current = load(isolated_home, model=emb.name)
    roles = np.array(current.chunks.roles)
    assert roles.any()
    manifest = json.loads((current.folder / "manifest.json").read_text())
    manifest["roles"] = "2"  # as the previous rules wrote it
    manifest["checksum"] = integrity.manifest_checksum(manifest)
    (current.folder / "manifest.json").write_text(json.dumps(manifest))
    older = load(isolated_home, model=emb.name)
    assert not older.has_roles and (np.array(older.chunks.roles) == roles).all()
    again = build(isolated_home, [notes_copy], emb)
    assert again.embedded == 0 and again.written and load(isolated_home, model=emb.name).has_roles
