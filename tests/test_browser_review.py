"""The Review tab in a real browser, as a person uses it: true counts and sections before Start, a card answered
by keys (Space, 1-4) or typed, the verdict in view on a desktop and a phone, suspend / flag / edit, progress plots.
Plus the pure renderers behind it."""
from __future__ import annotations

import re
import shutil
import sqlite3

import pytest

from .conftest import ARTIFACTS, NOTES, Served, served_index

pytestmark = [pytest.mark.browser, pytest.mark.integration]
RATING = re.compile(r"^(Again|Hard|Good|Easy) · in (a|an|\d+) \w+")


@pytest.fixture(scope="module")
def server(real_home, tmp_path_factory) -> Served:
    """`study serve` on a free port, with its own copy of the notes and its own data folder."""
    base = tmp_path_factory.mktemp("served-review")
    notes = base / "notes"
    shutil.copytree(NOTES, notes)
    with served_index(real_home, base, notes) as served:
        yield served


def review_tab(page) -> None:
    """Open the Review tab: on the tab bar at every width (no "More tabs" menu hides it on a phone)."""
    tab = page.get_by_role("tab", name="Review")
    assert tab.is_visible()
    tab.click()
    page.locator("#review-card").wait_for(state="visible")


def open_review(browser, server: Served, width: int, height: int):
    """A new page at this window size with the Review tab open and its counts loaded."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(server.url)
    page.wait_for_selector("#chat-input textarea", timeout=60_000)
    review_tab(page)
    page.wait_for_function("document.querySelector('#review-counts') && "
                           "document.querySelector('#review-counts').innerText.includes('cards')", timeout=60_000)
    return page


def store(server: Served):
    from app.review.store import ReviewStore, store_path

    return ReviewStore(store_path(server.home))


def reviews_today(server: Served) -> int:
    return store(server).reviews_per_day(30)[-1][1]  # today is the last day


def card_by_question(server: Served, question: str) -> dict:
    import json

    from app.review.store import store_path

    with sqlite3.connect(store_path(server.home)) as db:
        cards = [json.loads(row[0]) for row in db.execute("SELECT card FROM cards WHERE active=1")]
    return next(c for c in cards if c["question"] == question)


def shown_question(page) -> str:
    return page.locator("#review-card .card-q b").inner_text()


def pick_section(page, text: str) -> None:
    """Type free text into the section picker (it stays as typed when Start is clicked next)."""
    box = page.locator("#review-section input")
    box.click()
    box.fill(text)


def start(page) -> str:
    page.locator("#review-start").click()
    page.wait_for_selector("#review-card .card-q", timeout=30_000)
    return shown_question(page)


def in_window(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    view = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= view["height"] and box["width"] > 0


def next_card_shown(page, before: str) -> None:
    page.wait_for_function("(q) => { const b = document.querySelector('#review-card .card-q b'); "
                           "return b && !document.querySelector('#review-card .grade') && "
                           "(b.innerText !== q || document.querySelector('#review-notice').innerText.length > 0); }",
                           arg=before, timeout=30_000)


def test_counts_and_sections_are_true_before_start(browser, server):
    page = open_review(browser, server, 1440, 900)
    stats = store(server).stats()  # the tab opened, so the cards are synced: the page shows these numbers
    assert stats["cards"] > 0 and stats["reviewed"] == 0
    counts = page.locator("#review-counts").inner_text()
    assert f"{stats['cards']} cards" in counts and f"{stats['new']} new" in counts and f"{stats['due_today']} due today" in counts
    assert "suspended" not in counts and "flagged" not in counts  # only told when there are any
    page.locator("#review-section input").click()
    options = page.locator("ul[role=listbox] li")
    options.first.wait_for(state="visible")
    listed = options.all_inner_texts()
    sections = store(server).sections()
    assert len(listed) == len(sections) + 1 and "All sections" in listed[0]  # the chosen one has a tick
    for (name, n), text in zip(sections, listed[1:]):
        assert name in text and f"{n} card" in text
    page.keyboard.press("Escape")
    # a section text that matches nothing says so and names the sections
    pick_section(page, "xyzzy-nothing")
    page.locator("#review-start").click()
    page.wait_for_function("document.querySelector('#review-notice').innerText.includes('No section matches')")
    notice = page.locator("#review-notice").inner_text()
    assert "No section matches “xyzzy-nothing”. Sections: " in notice and sections[0][0] in notice
    assert page.locator("#review-card .card-q").count() == 0
    page.close()


def test_review_by_keys_typed_answer_suspend_and_plots_at_1440(browser, server):
    page = open_review(browser, server, 1440, 900)
    pick_section(page, "DynamoDB")  # free text, part of a heading
    question = start(page)
    assert "DynamoDB" in page.locator("#review-card small").inner_text()
    page.mouse.click(5, 5)  # focus out of any text field: keys are for the review now
    page.keyboard.press(" ")
    page.wait_for_selector("#review-card .grade", timeout=30_000)
    assert "Answer shown" in page.locator("#review-card .grade").inner_text()
    assert card_by_question(server, question)["answer"] in page.locator("#review-card .answer").inner_text()
    labels = [page.locator(f"#rate-{r}").inner_text() for r in (1, 2, 3, 4)]
    assert all(RATING.match(label) for label in labels), labels
    assert all(page.locator(f"#rate-{r}").is_visible() for r in (1, 2, 3, 4))
    assert page.locator("#review-cited details mark").count() > 0  # the answer marked in the cited lines
    assert reviews_today(server) == 0  # showing the answer records nothing
    # shown, not graded: Good is highlighted (as Anki's space bar after "show answer")
    assert page.locator("#review-ratings button.primary").get_attribute("id") == "rate-3"
    page.keyboard.press("3")
    page.keyboard.press("4")  # a second key at once: the card is rated once, with the first
    next_card_shown(page, question)
    page.wait_for_timeout(500)
    assert "Rated good" in page.locator("#review-notice").inner_text()
    assert reviews_today(server) == 1
    assert store(server).stats()["reviewed"] == 1
    # a typed wrong answer: graded, "again" suggested and pre-selected, verdict in view, nothing recorded yet
    second = shown_question(page)
    page.fill("#review-input textarea", "purple elephants dancing")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review-card .grade", timeout=60_000)
    assert page.locator("#review-card .grade").inner_text().startswith("✗ again")
    assert in_window(page, "#review-card .grade")
    assert page.locator("#review-ratings button.primary").inner_text().startswith("Again")
    assert page.locator("#review-ratings button.primary").get_attribute("id") == "rate-1"
    assert store(server).stats()["reviewed"] == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-1440.png"), full_page=True)
    # Suspend: that card is set aside in the store and the next one shows
    page.locator("#review-suspend").click()
    page.wait_for_function("document.querySelector('#review-notice').innerText.includes('Suspended')", timeout=30_000)
    card = card_by_question(server, second)
    assert store(server).note(card["id"]).suspended
    assert store(server).stats()["suspended"] == 1 and store(server).stats()["reviewed"] == 1
    assert "1 suspended" in page.locator("#review-counts").inner_text()
    # the plots show reviews per day, the due forecast and retention per section
    for plot in ("#plot-reviews", "#plot-forecast", "#plot-retention"):
        page.locator(f"{plot} svg, {plot} canvas").first.wait_for(state="attached", timeout=30_000)
    page.wait_for_function("document.querySelector('#plot-retention').innerText.includes('DynamoDB')", timeout=30_000)
    assert "reviews done: 1" in page.locator("#review-progress").inner_text()
    page.close()


def test_flag_and_edit_the_current_card(browser, server):
    page = open_review(browser, server, 1440, 900)
    question = start(page)
    card = card_by_question(server, question)
    page.locator("#review-flag").click()
    page.wait_for_function("document.querySelector('#review-flag').innerText.includes('Unflag')", timeout=30_000)
    assert store(server).note(card["id"]).flagged
    page.locator("#review-flag").click()
    page.wait_for_function("document.querySelector('#review-flag').innerText.trim() === 'Flag'", timeout=30_000)
    assert not store(server).note(card["id"]).flagged
    page.locator("#review-edit").click()
    page.locator("#edit-question textarea").wait_for(state="visible")
    assert page.locator("#edit-question textarea").input_value() == question
    page.fill("#edit-answer textarea", "my own wording of it")
    page.locator("#edit-save").click()
    page.wait_for_function("document.querySelector('#review-notice').innerText.includes('Saved')", timeout=30_000)
    assert store(server).note(card["id"]).answer == "my own wording of it"
    page.locator("#review-show").click()
    page.wait_for_selector("#review-card .grade", timeout=30_000)
    assert "my own wording of it" in page.locator("#review-card .answer").inner_text()
    store(server).edit(card["id"], card["question"], card["answer"])  # as it was, for the tests after this one
    page.close()


def test_phone_verdict_in_view_and_keys_only_on_the_review_tab(browser, server):
    page = open_review(browser, server, 390, 844)
    # the progress table keeps to the screen: it scrolls inside its own box, its last column reachable
    page.wait_for_selector("#review-progress table.progress", state="attached", timeout=30_000)
    box = page.evaluate("""() => { const w = document.querySelector('#review-progress .table-wrap');
        return {right: w.getBoundingClientRect().right, width: window.innerWidth,
                reach: w.scrollWidth >= w.querySelector('table').scrollWidth}; }""")
    assert box["right"] <= box["width"] + 1 and box["reach"], box
    # an answer typed before Start is not dropped: the review starts and the reply waits in the box
    page.fill("#review-input textarea", "a guess before starting")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review-card .card-q", timeout=30_000)
    assert "Review started" in page.locator("#review-notice").inner_text()
    assert page.locator("#review-input textarea").input_value() == "a guess before starting"
    page.fill("#review-input textarea", "completely unrelated words here")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review-card .grade", timeout=60_000)
    page.wait_for_timeout(300)  # the page scrolls the verdict into view after it renders
    assert in_window(page, "#review-card .grade")
    assert page.locator("#review-ratings button.primary").get_attribute("id") == "rate-1"
    page.screenshot(path=str(ARTIFACTS / "review-390.png"))
    before = store(server).stats()["reviewed"]
    # keys act only while the Review tab shows
    page.get_by_role("tab", name="Ask").click()
    page.locator("#chatbot").wait_for(state="visible")
    page.mouse.click(5, 5)
    page.keyboard.press("1")
    page.keyboard.press(" ")
    page.wait_for_timeout(1000)
    assert store(server).stats()["reviewed"] == before
    # back on the tab, scrolled down to the plots: Space takes the pre-selected rating (again), and the next
    # question comes into view with the reply box focused (this reviewer types replies)
    review_tab(page)
    question = shown_question(page)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.keyboard.press(" ")
    next_card_shown(page, question)
    assert store(server).stats()["reviewed"] == before + 1
    assert "Rated again" in page.locator("#review-notice").inner_text()
    page.wait_for_function("document.activeElement === document.querySelector('#review-input textarea')", timeout=5_000)
    assert in_window(page, "#review-card .card-q")
    page.keyboard.press("Enter")  # nothing typed: the answer is shown, ungraded
    page.wait_for_selector("#review-card .grade", timeout=30_000)
    assert "Answer shown" in page.locator("#review-card .grade").inner_text()
    assert in_window(page, "#review-card .grade")
    assert store(server).stats()["reviewed"] == before + 1
    page.close()


# ---- the pure renderers -----------------------------------------------------------------------------------------

def test_review_renderers():
    from app.render import no_section_html, rated_html, rating_label, review_counts_html, verdict_html
    from app.review.cards import Card
    from app.review.grading import Grade
    from app.review.session import Feedback
    from app.review.web_tab import section_choices

    stats = {"cards": 12, "due_today": 3, "new": 7, "learned": 5, "suspended": 0, "flagged": 2}
    counts = review_counts_html(stats)
    assert "<b>12</b> cards" in counts and "<b>3</b> due today" in counts and "<b>7</b> new" in counts
    assert "<b>2</b> flagged" in counts and "suspended" not in counts
    assert no_section_html("xyz<", ["A", "B & C"]) == ('<p class="review-error">No section matches “xyz&lt;”. '
                                                       "Sections: A, B &amp; C</p>")
    assert rating_label(3, "in 2 days") == "Good · in 2 days"
    assert "Rated easy · next review in 9 days." in rated_html(4, "in 9 days")
    card = Card("c-1", "cloze", "Reads cost ___", "<b>4 KB</b>", "notes/x.md", "Sec > Sub", 3, 3, None)
    graded = verdict_html(Feedback(card, "8 KB", Grade(1, 0.1, "another amount")))
    assert 'class="grade grade-again grade-red"' in graded and "✗ again</b>: another amount." in graded
    assert "You said: 8 KB" in graded and "&lt;b&gt;4 KB&lt;/b&gt;" in graded
    shown = verdict_html(Feedback(card, "", None))
    assert "Answer shown" in shown and "You said" not in shown
    from datetime import date, timedelta

    from app.review.web_tab import day_labels

    feb = [date(2027, 2, 2) + timedelta(days=k) for k in range(30)]  # Feb 2 .. Mar 3: "2" and "3" come round again
    labels = day_labels(feb)
    assert labels[:3] == ["Feb 2", "3", "4"] and labels[27:] == ["Mar 1", "2", "Mar 3"]
    assert len(set(labels)) == 30
    assert section_choices([("Sec", 1), ("Other", 4)], 5) == [("All sections · 5 cards", ""), ("Sec · 1 card", "Sec"),
                                                              ("Other · 4 cards", "Other")]


def test_plot_frames_count_days_and_retention(tmp_path):
    from app.review.grading import Grade
    from app.review.store import ReviewStore
    from app.review.web_tab import plot_frames

    from .test_review import card

    s = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    s.sync([card(i) for i in range(3)])
    empty = plot_frames(s)
    assert len(empty[0]) == 30 and empty[0]["reviews"].sum() == 0 and len(empty[2]) == 0
    s.rate(card(0), 3, "x", suggested=Grade(3, 1.0, "ok"))
    s.rate(card(1), 1, "y")
    reviews, due, retention = plot_frames(s)
    assert reviews["reviews"].iloc[-1] == 2 and reviews["reviews"].sum() == 2
    assert due["due"].sum() == 2
    assert list(retention["section"]) == ["Sec"] and list(retention["retention"]) == [50]


def test_the_review_tab_exports_the_deck_to_anki(browser, server, tmp_path):
    """The button gives an .apkg Anki opens: a zip whose collection holds one note per card, the card id as guid."""
    import sqlite3
    import zipfile

    from app.review.cards import generate
    from index import load

    page = open_review(browser, server, 1440, 900)
    page.locator("#review-anki").click()
    link = page.locator("#review-anki-file a").first
    link.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "review-anki.png"))
    with page.expect_download(timeout=60_000) as download:
        link.click()
    target = tmp_path / "deck.apkg"
    download.value.save_as(target)
    assert download.value.suggested_filename.endswith(".apkg")
    with zipfile.ZipFile(target) as z:
        z.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        guids = {g for (g,) in db.execute("select guid from notes")}
    suspended = {cid for cid, mark in store(server).notes().items() if mark.suspended}
    cards = {c.id for c in generate(load(server.home).chunks)} - suspended
    assert guids == cards and len(guids) > 50
    page.close()
