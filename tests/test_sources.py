"""A question asked within some files searches only them, however much the other files would outrank them."""
from __future__ import annotations

import pytest

from app.config import Settings
from app.service import Study


@pytest.mark.parametrize("ann_threshold", [1_000_000, 10])  # exact search, and IVF
def test_search_within_files_keeps_to_them_and_finds_what_they_hold(isolated_home, tmp_path, ann_threshold):
    notes = tmp_path / "notes"
    notes.mkdir()
    # 150 passages about tides in one file: in the whole index they fill every candidate slot
    (notes / "tides.md").write_text("\n\n".join(f"# Tide {i}\nThe tide table {i} lists the tide at the harbour."
                                                 for i in range(150)))
    (notes / "birds.md").write_text("# Gulls\nGulls follow the tide to feed on the mud flats.\n\n"
                                    "# Terns\nTerns dive for small fish.\n")
    study = Study(Settings(isolated_home, notes=notes, model="hash:256", ann_threshold=ann_threshold))
    study.ingest()
    everywhere = study.searcher().search("tide", k=5)
    assert {h.chunk.source for h in everywhere} == {"notes/tides.md"}
    within = study.searcher().search("tide", k=5, sources={"notes/birds.md"})
    assert within and {h.chunk.source for h in within} == {"notes/birds.md"}
    assert "Gulls follow the tide" in within[0].chunk.text
    answer = study.ask("what follows the tide?", sources={"notes/birds.md"})
    assert answer.hits and all(h.chunk.source == "notes/birds.md" for h in answer.hits)
    assert study.searcher().search("tide", k=5, sources={"notes/missing.md"}) == []
    # everything but one file: the vector index skips the one (a selector of the smaller list)
    most = study.searcher().search("gulls", k=5, sources={"notes/tides.md"})
    assert most and all(h.chunk.source == "notes/tides.md" for h in most)
