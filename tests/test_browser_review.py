"""The Review tab in a real browser, as a person uses it: true counts and sections before Start, a card answered
by keys (Space, 1-4) or typed, the verdict in view on a desktop and a phone, suspend / flag / edit, progress plots
that read well at both widths, a note without headings picked by its file name, the plain end of a sitting.
(The renderers and plot data behind it: tests/test_review_tab.py.)"""
from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import timedelta

import pytest

from app.review.progress import now_utc, start_of_day

from .conftest import ARTIFACTS, NOTES, Served, served_index

pytestmark = [pytest.mark.browser, pytest.mark.integration]
RATING = re.compile(r"^(Again|Hard|Good|Easy) · in (a|an|\d+) \w+")
LOOSE = "loose-facts.txt"  # a note without headings, added to the served notes: its cards are a section of their own


@pytest.fixture(scope="module")
def server(real_home, tmp_path_factory) -> Served:
    """`study serve` on a free port, with its own copy of the notes and its own data folder."""
    base = tmp_path_factory.mktemp("served-review")
    notes = base / "notes"
    shutil.copytree(NOTES, notes)
    (notes / LOOSE).write_text("An EBS volume is a block storage device attached to one EC2 instance at a time.\n\n"
                               "Glacier Deep Archive keeps archived objects for a minimum storage duration of 180 days.\n")
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


def axis_labels(page, plot: str) -> tuple[list[dict], list[dict]]:
    """The labels a person sees along a plot's x axis and up its y axis (a time axis hides those that would not
    fit), each with its text and box on the page."""
    return page.evaluate("""(plot) => [...document.querySelectorAll(plot + ' g.role-axis:not([aria-hidden="true"])')]
        .map((axis) => [...axis.querySelectorAll('.role-axis-label text')]
            .filter((t) => Number(t.getAttribute('opacity') ?? 1) > 0 && t.getClientRects().length > 0)
            .map((t) => { const r = t.getBoundingClientRect();
                          return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }))""",
                         plot)


def inside(box: dict, outer: dict) -> bool:
    return (box["left"] >= outer["x"] - 1 and box["right"] <= outer["x"] + outer["width"] + 1
            and box["top"] >= outer["y"] - 1 and box["bottom"] <= outer["y"] + outer["height"] + 1)


def assert_plots_read_well(page) -> None:
    """Day plots: whole numbers up the side, short dates along the bottom, no two dates on top of each other.
    Retention: whole percents, and every section name under its bar whole inside the plot's box (not cut off)."""
    for plot in ("#plot-reviews", "#plot-forecast"):
        page.locator(f"{plot} g.role-axis").first.wait_for(state="attached", timeout=30_000)
        days, counts = axis_labels(page, plot)
        days.sort(key=lambda d: d["left"])
        assert all(a["right"] <= b["left"] for a, b in zip(days, days[1:])), (plot, days)
        assert len(days) >= 3 and all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", d["text"]) for d in days), (plot, days)
        assert counts and all(re.fullmatch(r"\d+", c["text"]) for c in counts), (plot, counts)  # not "0.000000"
        box = page.locator(plot).bounding_box()
        assert all(inside(label, box) for label in days + counts), (plot, box, days)
    # the retention plot redraws after its section names first appear (a frame with them lower down): it must settle
    # with every name inside its box, not be caught mid-redraw
    for _ in range(50):
        names, percents = axis_labels(page, "#plot-retention")
        box = page.locator("#plot-retention").bounding_box()
        if names and all(inside(name, box) for name in names):
            break
        page.wait_for_timeout(200)
    assert all(re.fullmatch(r"\d+", p["text"]) for p in percents), percents
    assert all(inside(name, box) for name in names), (box, names)


def wait_for_tallest_bar(page, plot: str, count: int) -> None:
    """Wait until a day plot's tallest bar reads ``count`` against its y axis: the plot shows the latest rating."""
    page.wait_for_function("""([plot, count]) => {
        const el = document.querySelector(plot);
        const axes = [...el.querySelectorAll('g.role-axis:not([aria-hidden="true"])')];
        const ticks = [...axes[1].querySelectorAll('.role-axis-label text')].map((t) => [Number(t.textContent),
                                                                                      t.getBoundingClientRect()]);
        const [low, high] = [ticks[0], ticks[ticks.length - 1]];
        const perUnit = (low[1].top - high[1].top) / (high[0] - low[0]);
        const bars = [...el.querySelectorAll('g.mark-rect path')].map((b) => b.getBoundingClientRect().height);
        return Math.abs(Math.max(...bars) / perUnit - count) < 0.1;
    }""", arg=[plot, count], timeout=10_000)


def retention_tooltips(page) -> list[str]:
    """What hovering each bar of the retention plot shows."""
    said = []
    for bar in page.locator("#plot-retention g.mark-rect path").all():
        bar.hover()
        tip = page.locator("#vg-tooltip-element")
        tip.wait_for(state="visible", timeout=5_000)
        said.append(tip.inner_text())
    page.mouse.move(0, 0)
    return said


def keys_ready(page) -> None:
    """The page takes the next key once it has settled on the last update (a key before that is dropped)."""
    page.wait_for_function("window.studyReview && !window.studyReview.busyUntil", timeout=5_000)


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
    # a note without headings: by its file name (a definition, its reverse and a cloze)
    assert any(text.startswith(f"{LOOSE} · 3 cards") for text in listed)
    page.keyboard.press("Escape")
    # nothing rated yet: each plot says so, and its axes read in whole numbers (once Gradio's "0.2s" timer of the
    # plots' first update is gone: on a busy machine it is still there when the sections are listed)
    page.wait_for_function("['#plot-reviews', '#plot-forecast', '#plot-retention'].every(id => "
                           "!/^\\s*[0-9.]+s/.test(document.querySelector(id).innerText))", timeout=15_000)
    assert page.locator("#plot-reviews").inner_text().startswith("Reviews per day: none yet")
    assert page.locator("#plot-forecast").inner_text().startswith("Due per day: none scheduled yet")
    assert page.locator("#plot-retention").inner_text().startswith("Retention: no ratings yet")
    assert_plots_read_well(page)
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
    wait_for_tallest_bar(page, "#plot-reviews", 1)  # the plot has the rating just made
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
    # the plots show reviews per day, the due forecast and retention per section, a long name shortened under its
    # bar and whole in the bar's tooltip
    for plot in ("#plot-reviews", "#plot-forecast", "#plot-retention"):
        page.locator(f"{plot} svg, {plot} canvas").first.wait_for(state="attached", timeout=30_000)
    dynamo = next(name for name, _ in store(server).sections() if "DynamoDB" in name)
    page.wait_for_function("document.querySelector('#plot-retention').innerText.includes('Dynamo')", timeout=30_000)
    assert "reviews done: 1" in page.locator("#review-progress").inner_text()
    assert_plots_read_well(page)
    assert any(dynamo in said for said in retention_tooltips(page))
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
    assert_plots_read_well(page)
    page.close()


def test_a_note_without_headings_is_picked_by_its_file_name_and_a_sitting_ends_plainly(browser, server):
    page = open_review(browser, server, 390, 844)
    assert dict(store(server).sections())[LOOSE] == 3
    page.locator("#review-section input").click()
    page.locator("ul[role=listbox] li", has_text=LOOSE).click()
    start(page)
    shown = []
    for _ in range(2):  # each card: Space shows the answer, 3 rates it good (back in 10 minutes)
        shown.append(card_by_question(server, shown_question(page)))
        assert shown[-1]["source"].endswith(LOOSE)
        page.mouse.click(5, 5)
        keys_ready(page)
        page.keyboard.press(" ")
        page.wait_for_selector("#review-card .grade", timeout=30_000)
        keys_ready(page)
        page.keyboard.press("3")
        page.wait_for_selector("#review-card .grade", state="detached", timeout=30_000)
    page.wait_for_selector("#review-card .review-done", timeout=30_000)
    ended = page.locator("#review-card").inner_text()
    assert f"Session done: 2 cards reviewed in sections matching “{LOOSE}”." in ended
    # the definition's reverse, cut from the line just rated, waits until tomorrow (a sibling, as Anki buries it)
    assert [c["kind"] for c in shown] == ["definition", "cloze"], shown
    # the card rated good is back in 10 minutes; the buried reverse from local midnight, if that comes sooner
    if (start_of_day(now_utc() + timedelta(days=1)) - now_utc()).total_seconds() > 11 * 60:
        assert re.search(r"The next card is due in (9|10) minutes\.", ended), ended
    else:
        assert re.search(r"The next card is due in (an?|\d+) (minute|minutes)\.", ended), ended
    assert re.search(r"\d+ cards can be reviewed now in other sections", ended), ended
    # what no longer does anything is gone; what does is there
    for gone in ("#review-input textarea", "#review-show", "#review-ratings", "#review-tools"):
        assert not page.locator(gone).is_visible(), gone
    assert page.locator("#review-again").is_visible() and page.locator("#review-pick").is_visible()
    assert in_window(page, "#review-again")
    # the section has one name in the table and the plot
    assert LOOSE in page.locator("#review-progress").inner_text()
    assert "(no heading)" not in page.locator("#review-progress").inner_text()
    page.wait_for_function(f"document.querySelector('#plot-retention').innerText.includes('{LOOSE}')", timeout=30_000)
    wait_for_tallest_bar(page, "#plot-reviews", reviews_today(server))
    assert_plots_read_well(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-done-390.png"), full_page=True)
    # start again: nothing has come due since, and it says when something will
    page.locator("#review-again").click()
    page.wait_for_function(f"document.querySelector('#review-card').innerText.includes('Nothing is due in sections "
                           f"matching “{LOOSE}” right now')", timeout=30_000)
    assert not page.locator("#review-show").is_visible() and page.locator("#review-pick").is_visible()
    # pick another section: back at the picker, its list open
    page.locator("#review-pick").click()
    page.locator("ul[role=listbox] li").first.wait_for(state="visible", timeout=5_000)
    assert page.evaluate("document.activeElement === document.querySelector('#review-section input')")
    assert in_window(page, "#review-section input")
    page.close()


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
