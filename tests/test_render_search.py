"""The Search tab's results as HTML: rank order kept, one heading line per run, query words marked, wordless and
weak hits left out."""
from __future__ import annotations

import re

from app.ui_search import highlight, query_terms, readable_words, results_html, worth_showing
from index import Hit
from ingest import Chunk


def hit(text: str, rank: int, score: float, heading: str = "A > B", source: str = "notes/a.md", dense: float = 0.5,
        lexical: float = 1.0) -> Hit:
    return Hit(Chunk(source, heading, text, start_line=rank, end_line=rank), rank, rank, score, dense, lexical)


def test_wordless_passages_are_never_results():
    assert readable_words("![](./images/sqs_queue.png)") == []
    assert readable_words("3.2_Set_EC2_Security_group.png") == []
    assert readable_words("See https://example.com/x and www.example.org") == ["See", "and"]
    hits = [hit("3.2_Set_EC2_Security_group.png", 1, 1.0), hit("Roles tutorial", 2, 0.95),
            hit("An IAM role is an identity for services.", 3, 0.9)]
    assert [h.rank for h in worth_showing(hits)] == [3]


def test_weak_hits_are_cut_off_instead_of_filling_ten():
    hits = [hit(f"passage number {i} about queues", i, score) for i, score in enumerate([1.0, 0.8, 0.49, 0.3], 1)]
    assert [h.rank for h in worth_showing(hits)] == [1, 2]
    # nothing shares a word with the query and the meaning is far: no results at all
    far = [hit("some words about other things", i, 1.0 - i / 10, dense=0.2, lexical=0.0) for i in range(1, 6)]
    assert worth_showing(far) == []
    assert "No passage in your notes is about “xyzzy”" in results_html("xyzzy", far, {})
    many = [hit(f"queue passage {i} words here", i, 1.0) for i in range(1, 20)]
    assert len(worth_showing(many)) == 10


def test_query_words_are_marked_by_their_stem_and_escaped():
    terms = query_terms("IAM roles")
    out = highlight("One IAM Role per <app>; roles & policies", terms)
    assert re.findall(r'<mark class="hit-term">(.*?)</mark>', out) == ["IAM", "Role", "roles"]
    assert "&lt;app&gt;" in out and "<app>" not in out and "policies" in out


def test_results_keep_rank_order_with_one_heading_line_per_run():
    hits = [hit("First passage about queues and roles", 1, 1.0, "Sec > One"),
            hit("Second passage about queues and roles", 2, 0.9, "Sec > One"),
            hit("Third passage about queues and roles", 3, 0.8, "Sec > Two"),
            hit("Fourth passage about queues and roles", 4, 0.7, "Sec > One")]
    out = results_html("queues", hits, {})
    assert re.findall(r'<span class="rank">\[(\d+)\]</span>', out) == ["1", "2", "3", "4"]
    assert re.findall(r'<h2 class="hit-heading">(.*?)</h2>', out) == ["Sec &gt; One", "Sec &gt; Two", "Sec &gt; One"]
    assert out.count("Sec &gt; One") == 2 and out.count("Sec &gt; Two") == 1  # never again in a citation line
    assert "4 passages, best first" in out


def test_numbers_have_no_gap_when_a_hit_is_dropped():
    hits = [hit("Queue facts for the first result", 1, 1.0), hit("diagram.png", 2, 0.9),
            hit("Queue facts for the third result", 3, 0.8)]
    out = results_html("queue", hits, {})
    assert re.findall(r'<span class="rank">\[(\d+)\]</span>', out) == ["1", "2"]
    assert "diagram.png" not in out
