"""A table of contents (a report's or a textbook's) is navigation: it names every topic, so as text it ranked first
for questions about them and gave answers like "Item 1A. | Risk Factors | 9"."""
from __future__ import annotations

import pytest

from ingest import discover, load
from ingest.contents import is_contents

from .conftest import SHARED, passages_of

PRINTED, TYPED = True, False  # a PDF page, or any other passage
CONTENTS = {
    "a report's printed page, titles wrapped": (PRINTED, "6 Key Performance Indicators\n8  Chairman and Managing\n"
    "Director's Statement\n14  We Care for an Inclusive\nEcosystem\n16  We Care for Digital\nTransformation\n"
    "20 We Care for a Greener Planet\n24 Response to the Pandemic\n26 Board of Directors"),
    "a web page's table": (TYPED, "ANNUAL REPORT\nTABLE OF CONTENTS\nPART I\nItem 1. | Business | 4\nItem 1A. | Risk "
    "Factors | 9\nItem 1B. | Unresolved Staff Comments | 9\nItem 2. | Properties | 9\nItem 3. | Legal Proceedings | 10\n"
    "PART II\nItem 5. | Market for Common Equity | 12"),
    "dot leaders": (TYPED, "Preface ........ 1\nThe Cell ........ 7\nMembranes and Transport ........ 23\nEnzymes "
    "........ 41\nRespiration ........ 58"),
    "dot leaders, each page on the line below": (PRINTED, "140\n8.4 Tides and the Moon . . . . . . . . . .\n141\n"
    "8.5 Tidal Locking . . . . . . . . . . . .\n143\n8.6 Orbital Resonance . . . . . . . .\n144\n8.7 Ring Systems . . . .\n147"),
    "a list under a Contents line": (TYPED, "Contents\nThe cell and its parts 3\nMembranes and transport 17\n"
    "Enzymes at work 29\nRespiration and energy 44"),
}
NOT_CONTENTS = {
    "a numbered list": (PRINTED, "1 Install Python\n2 Create a virtual environment\n3 Install the requirements\n"
    "4 Run the tests\n5 Open the notebook"),
    "a slide's topics": (TYPED, "What happens when there's one here\nTopic 1\n  - Subtopic 1\nTopic 2\n"
    "What happens when there's 2\nDetails 1\n  - Sub-details 1"),
    "a league table": (PRINTED, "[40] First Division 33 12 1 0 2 0 2\nNorwich City 1997-98\n[91] First Division 31 5 0 0 2 2 "
    "33 7\n[92] First Division 45 19 1 1 5 3 52 20\n[93] First Division 42 14 2 0 3 2 47 16\n[94] First Division 41 15 1 0 1 0 43 15"),
    "sentences that end on numbers, rising": (TYPED, "A shard keeps its data for 3\nEach node holds 16\nThe default "
    "timeout is 30\nThe cluster grows to 64\nThe limit per account is 100"),
    "a price list sorted by price": (PRINTED, "Coffee 2\nTea 2\nSandwich 5\nSalad 7\nSoup 8"),
    "a timeline": (PRINTED, "1773 Boston Tea Party\n1776 Declaration of Independence\n1787 Constitution signed\n"
    "1803 Louisiana Purchase\n1812 War with Britain"),
    "well-known ports": (TYPED, "22 SSH remote login\n80 HTTP web traffic\n443 HTTPS secure web\n3306 MySQL database\n"
    "5432 PostgreSQL database"),
    "a day's programme": (PRINTED, "9 Registration and coffee\n10 Opening lecture\n11 Coffee break\n12 Workshops begin\n"
    "14 Closing panel"),
    "a bus timetable": (TYPED, "Bus to Oxford 0815\nBus to Oxford 0915\nBus to Oxford 1015\nBus to Oxford 1115"),
    "prose": (PRINTED, "The harbour was built in 1850. Ships came from every port on the coast, and by 1870 the town had\n"
    "doubled in size. The railway arrived in 1875."),
}


@pytest.mark.parametrize("name", sorted(CONTENTS))
def test_a_table_of_contents_is_recognised(name):
    printed, text = CONTENTS[name]
    assert is_contents(text, printed)


def test_a_contents_page_read_as_running_prose_is_navigation():
    """A PDF's contents page has long lines, so it reads as hard-wrapped prose: it is navigation all the same."""
    from ingest.pack import Unit, pack

    lines = CONTENTS["dot leaders, each page on the line below"][1].split("\n")
    units = [Unit(0, line, kind="prose", paragraph_end=i == len(lines) - 1) for i, line in enumerate(lines)]
    assert [c.kind for c in pack(units, "notes/book.pdf", "", page=5)] == ["nav"]
    # a page of running prose whose wrapped lines happen to end on rising numbers is no contents page
    story = ["By the spring of that year the town had lost 12", "of its mills, and the valley had lost 40",
             "more by the time the survey, which the engineers wrote in 55", "days, reached the river at mile 63"]
    units = [Unit(0, line, kind="prose", paragraph_end=i == len(story) - 1) for i, line in enumerate(story)]
    assert [c.kind for c in pack(units, "notes/book.pdf", "", page=5)] == ["prose"]


@pytest.mark.parametrize("name", sorted(NOT_CONTENTS))
def test_content_with_numbers_is_not_a_table_of_contents(name):
    printed, text = NOT_CONTENTS[name]
    assert not is_contents(text, printed)


def test_a_report_is_answered_from_its_pages_not_its_contents(tmp_path):
    """A saved web page opens with its contents table; a question about a topic it lists gets the section that
    says it, and no contents row is shown as the answer."""
    from app.config import Settings
    from app.service import Study
    from index import HashEmbedder, build

    rows = "".join(f"<tr><td>Item {n}.</td><td>{title}</td><td>{page}</td></tr>\n" for n, title, page in
                   [(1, "Business", 4), (2, "Risk Factors", 9), (3, "Properties", 11), (4, "Legal Proceedings", 12),
                    (5, "Market Risk", 14)])
    notes = tmp_path / "notes"
    chunks = passages_of(notes, {"report.html": (
        f"<html><body><h1>Annual report</h1>\n<table>\n{rows}</table>\n<h2>Risk Factors</h2>\n"
        "<p>The main threats we face are losing our two largest customers and new gaming regulation in Nevada.</p>\n"
        "<h2>Properties</h2><p>We lease an office of 5,000 square feet in Las Vegas.</p></body></html>")})
    assert [c.kind for c in chunks if "Item 2." in c.text] == ["nav"]
    home = tmp_path / "home"
    build(home, [notes], HashEmbedder())
    study = Study(Settings(home, notes=notes, model=HashEmbedder().name), embedder=HashEmbedder())
    reply = study.ask("What are the risk factors?", k=5)
    assert "Item 2." not in reply.text and "largest customers" in reply.text, reply.text
    assert "largest customers" in reply.hits[0].chunk.text


@pytest.mark.skipif(not (SHARED / "peer-files-2").is_dir(), reason="the peer files sit beside the checkout")
def test_the_peer_files_contents_pages_are_navigation():
    """The real ones: a 10-K filing's contents table (HTML) and an annual report's contents page (PDF)."""
    notes, _ = discover([SHARED / "peer-files-2"])
    found = {c.source.rsplit("/", 1)[-1]: c.kind for note in notes if note.path.name in ("example-10k-1p.html", "reliance.pdf")
             for c in load(note).chunks if "Risk Factors | 9" in c.text or "Key Performance Indicators\n8" in c.text}
    assert found == {"example-10k-1p.html": "nav", "reliance.pdf": "nav"}, found
