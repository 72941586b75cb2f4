"""Uploads land in notes/ under a safe name, never outside it, never over a file without consent."""
from __future__ import annotations

import threading
import time

from app.config import Settings
from app.service import Study
from app.uploads import safe_name, save_uploads
from index import HashEmbedder


def test_safe_names():
    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("C:\\\\Users\\\\x\\\\notes.md") == "notes.md"
    assert safe_name(".hidden.md") == "hidden.md"
    assert safe_name("réseau notes (v2).md") == "réseau notes (v2).md"
    assert safe_name("a<b>|c\x00.md") == "a_b__c.md"
    assert safe_name("...") is None
    assert len(safe_name("x" * 500 + ".md")) <= 120 and safe_name("x" * 500 + ".md").endswith(".md")


def test_save_uploads(tmp_path):
    src = tmp_path / "upload"
    src.mkdir()
    (src / "a.md").write_text("# A\nnew\n")
    (src / "evil.exe").write_bytes(b"MZ")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\nold\n")
    saved, rejected = save_uploads([(src / "a.md", "../a.md"), (src / "evil.exe", "evil.exe")], notes)
    assert saved == [] and {r[0] for r in rejected} == {"../a.md", "evil.exe"}
    assert "Replace" in dict(rejected)["../a.md"] and (notes / "a.md").read_text() == "# A\nold\n"
    saved, _ = save_uploads([(src / "a.md", "a.md")], notes, replace=True)
    assert saved == ["a.md"] and (notes / "a.md").read_text() == "# A\nnew\n"
    assert sorted(p.name for p in tmp_path.rglob("*.md")) == ["a.md", "a.md"]  # nothing written outside notes/


def test_a_file_is_judged_by_the_name_it_will_have_before_it_is_written(tmp_path):
    src = tmp_path / "upload"
    src.mkdir()
    (src / "blob").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)  # binary, no suffix of its own
    (src / "fine").write_text("# Fine\nA note that reads as Markdown.\n")
    notes = tmp_path / "notes"
    saved, rejected = save_uploads([(src / "blob", "renamed.md"), (src / "fine", "fine.md")], notes)
    assert saved == ["fine.md"] and [name for name, _ in rejected] == ["renamed.md"]
    assert "binary" in rejected[0][1]
    assert sorted(p.name for p in notes.iterdir()) == ["fine.md"]  # the refused file never landed in notes/


class SlowEmbedder(HashEmbedder):
    def embed(self, texts):
        time.sleep(0.05)
        return super().embed(texts)


def test_questions_are_answered_from_the_old_index_during_an_ingest(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\nAlpha notes on queues.\n")
    study = Study(Settings(isolated_home, notes=notes, model="hash:64"), embedder=SlowEmbedder(64))
    study.ingest()
    for i in range(40):
        (notes / f"more-{i}.md").write_text("".join(f"# M{i}\nMore zebra notes {i} {j} on shards.\n\n" for j in range(80)))
    worker = threading.Thread(target=study.ingest)
    worker.start()
    answers = []
    while worker.is_alive():
        answers.append(study.ask("alpha queues").hits[0].chunk.source)
        time.sleep(0.02)
    worker.join()
    assert answers and set(answers) == {"notes/a.md"}  # old index answered throughout
    assert study.ask("zebra shards").hits[0].chunk.source.startswith("notes/more-")
