"""Conversations: a follow-up carries the topic of the conversation, a new question does not, context never piles up."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from app.followup import query_for
from app.config import Settings
from app.service import Study
from index import HashEmbedder, build

NOTES = {
    "storage.md": "# EBS\nEBS volumes can be encrypted with KMS keys at creation time.\n\n"
                  "# EFS\nEFS file systems can be encrypted at rest when you create them.\n\n"
                  "# Queues\nLong polling waits for messages and reduces empty responses.\n\n"
                  "FIFO queues keep the exact order of messages and deliver each once.\n",
    "code.md": "# Training\nWe fit the model and then score it on held-out data to see how well it generalises.\n\n"
               "```python\nmodel.fit(X_train, y_train)\nscore = model.score(X_test, y_test)\n```\n",
}


def make_study(tmp_path) -> Study:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text)
    home = tmp_path / "home"
    build(home, [notes], HashEmbedder(256))
    return Study(Settings(home, notes=notes, model="hash:256"), embedder=HashEmbedder(256))


def test_topic_comes_from_the_last_question_that_stood_alone():
    history = ["Can EBS volumes be encrypted?", "and EFS?"]
    assert query_for("why?", history) == "Can EBS volumes be encrypted? why?"
    assert query_for("What does long polling do?", history) == "What does long polling do?"
    assert query_for("and EFS?", []) == "and EFS?"


def test_a_follow_up_answers_about_its_own_subject(tmp_path):
    study = make_study(tmp_path)
    first = study.ask("Can EBS volumes be encrypted?")
    assert first.hits[0].chunk.heading == "EBS"
    follow = study.ask("and EFS?", previous=["Can EBS volumes be encrypted?"])
    assert follow.query == "Can EBS volumes be encrypted? and EFS?"
    assert follow.hits[0].chunk.heading == "EFS"
    switch = study.ask("What do FIFO queues keep?", previous=["Can EBS volumes be encrypted?"])
    assert switch.query == "What do FIFO queues keep?" and "FIFO" in switch.hits[0].chunk.text


def test_abstention_does_not_depend_on_k(tmp_path):
    study = make_study(tmp_path)
    for question in ["Can EBS volumes be encrypted?", "Which dinosaur laid the largest eggs?"]:
        verdicts = {study.ask(question, k=k).abstained for k in (1, 3, 5, 10)}
        assert len(verdicts) == 1, question


def test_code_ranks_below_prose_unless_the_question_reads_like_code(tmp_path):
    study = make_study(tmp_path)
    prose = study.search("fit the model and score it", k=2)
    assert prose[0].chunk.kind != "code"
    code = study.search("model.fit(X_train) code", k=2)
    assert code[0].chunk.kind == "code"


def test_cli_conversation_mode_says_what_was_searched(tmp_path):
    study = make_study(tmp_path)
    env = {"STUDY_HOME": str(study.settings.home), "STUDY_MODEL": "hash:256", "PATH": "/usr/bin:/bin"}
    turns = "Can EBS volumes be encrypted?\nand EFS?\n\nwhy?\n"
    out = subprocess.run([sys.executable, "-m", "app", "ask", "--json", "--local", "--conversation", "-"], input=turns,
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    replies = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["searched_as"] for r in replies] == [
        "Can EBS volumes be encrypted?", "Can EBS volumes be encrypted? and EFS?", "why?"]  # a blank line starts afresh
    assert replies[1]["passages"][0]["heading"] == "EFS"


def test_a_follow_up_that_leans_back_is_shown_the_passage_after_the_topics(tmp_path):
    """"who led it?" after "where was the term coined?": the answer is in the passage after the one that answered
    the topic, though it shares few words with either turn; the same words asked alone do not bring it up."""
    notes = tmp_path / "notes"
    notes.mkdir()
    filler = "".join(f"## Era {i}\n\nIn era {i} the term artificial intelligence was used for machines in offices.\n\n"
                     for i in range(8))
    (notes / "history.md").write_text(
        "# History\n\n## Workshop\n\nThe term artificial intelligence was coined at a summer workshop at a college in 1956.\n\n"
        "## People\n\nJohn McCarthy, a mathematics professor, headed ten colleagues.\n\n" + filler)
    home = tmp_path / "home"
    build(home, [notes], HashEmbedder(256))
    study = Study(Settings(home, notes=notes, model="hash:256"), embedder=HashEmbedder(256))
    first = "Where was the term artificial intelligence coined?"
    reply = study.ask("who led it?", k=5, previous=[first])
    texts = [h.chunk.text for h in reply.hits]
    assert reply.query != "who led it?" and "coined" in texts[0]
    assert any("McCarthy" in t for t in texts[:3]), texts
    assert [h.rank for h in reply.hits] == list(range(1, len(reply.hits) + 1))
    alone = study.ask(first, k=3)
    assert not any("McCarthy" in h.chunk.text for h in alone.hits[:1])


def test_the_passage_after_the_best_stays_in_its_file_and_in_the_chosen_files(tmp_path):
    """The passage after the best one is never the next file's first, nor one outside the files asked about."""
    study = make_study(tmp_path)
    searcher = study.searcher()
    last = max(searcher.chunks.file_rows["notes/storage.md"])
    assert searcher._next_row(last, None) is None
    first = min(searcher.chunks.file_rows["notes/storage.md"])
    assert searcher._next_row(first, None) == first + 1
    assert searcher._next_row(first, np.array([first])) is None
    hits = searcher.search("EBS volumes encrypted", k=3, sources={"notes/storage.md"}, next_to_best=True)
    assert {h.chunk.source for h in hits} == {"notes/storage.md"} and len({h.row for h in hits}) == len(hits)
