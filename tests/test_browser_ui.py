"""The web UI as a student sees it, in Chromium at 1440x900 and 390x844: search results, notes (upload, reject,
remove), looks (fonts, light and dark, what is in view after asking), the empty chat's suggestions, the sources
panel and the source viewer, accessibility. Screenshots of every tab at both sizes go to test-artifacts/."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, NOTES, Served, make_pdf, served_index

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SIZES = [(1440, 900), (390, 844)]
TABS = ["Ask", "Search by concept", "Review", "Notes"]
GEOLOGY = ["Plate tectonics\nThe lithosphere is broken into tectonic plates that move.",  # a two-page PDF
           "Volcanoes\nMagma rises where plates pull apart or one plate sinks below another."]

EXTRA = {
    "biology.md": """# Cell biology

## Mitochondria
The mitochondrion is the powerhouse of the cell. It produces ATP through oxidative phosphorylation.

## Ribosomes
Ribosomes translate messenger RNA into proteins. They are found free in the cytoplasm or bound to the endoplasmic
reticulum.

## Photosynthesis
Chloroplasts capture light energy and convert carbon dioxide and water into glucose and oxygen.
""",
    "history.md": """# Modern history

## The industrial revolution
The industrial revolution began in Britain in the late 18th century. Steam engines powered factories and railways.

## The French revolution
The French revolution started in 1789 with the storming of the Bastille. It ended the absolute monarchy.
""",
    "diagrams.md": """# Diagrams

## Queue diagram
![](./images/sqs_queue_diagram.png)

## Queue picture file
sqs_queue_diagram_2.png

## Queue words
An SQS queue diagram shows producers, the queue and consumers.
""",
}


@pytest.fixture(scope="module")
def server(real_home, tmp_path_factory) -> Served:
    """`study serve` over a copy of the real notes plus three small notes of other subjects and a PDF."""
    base = tmp_path_factory.mktemp("served-ui")
    notes = base / "notes"
    shutil.copytree(NOTES, notes)
    for name, text in EXTRA.items():
        (notes / name).write_text(text)
    make_pdf(notes / "geology.pdf", GEOLOGY)
    (notes / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is no PDF body at all\n")  # fails to index: a row says so
    with served_index(real_home, base, notes) as served:
        yield served


def open_page(browser, server: Served, width: int, height: int, scheme: str = "light"):
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
    page.goto(server.url)
    page.wait_for_selector("#chat-input textarea", timeout=60_000)
    return page


def open_tab(page, name: str) -> None:
    """Click a tab the way a person would: it must be on screen, not behind an overflow menu."""
    page.evaluate("window.scrollTo(0, 0)")  # the tabs are at the top of the page
    tab = page.get_by_role("tab", name=name, exact=True)
    assert tab.is_visible() and in_view(page, tab), f"tab {name} is not on screen"
    tab.click()


def in_view(page, locator) -> bool:
    """The element's box lies inside the window (at least its first line for a tall one)."""
    box = locator.bounding_box()
    view = page.viewport_size
    return (box is not None and box["width"] > 0 and box["y"] >= 0 and box["y"] < view["height"]
            and box["x"] >= 0 and box["x"] + min(box["width"], 40) <= view["width"])


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def search(page, term: str) -> None:
    page.fill("#search-input textarea", term)
    page.keyboard.press("Enter")
    page.wait_for_function("(t) => { const r = document.querySelector('#search-results .results'); "
                           "return r && r.dataset.query === t; }", arg=term, timeout=30_000)
    # and shown as a person reads them: not still dimmed by Gradio's pending state (axe would measure that)
    page.wait_for_function("() => { let o = 1; for (let e = document.querySelector('#search-results .results'); e; "
                           "e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o > 0.99; }",
                           timeout=30_000)


# ---- point 4: search results -----------------------------------------------------------------------------------

@pytest.mark.parametrize("width,height", SIZES)
def test_search_results_in_rank_order_marked_and_cut_off(browser, server, width, height):
    page = open_page(browser, server, width, height)
    open_tab(page, "Search by concept")
    search(page, "IAM roles")
    ranks = page.locator("#search-results .hit .rank").all_inner_texts()
    assert 3 <= len(ranks) < 10, ranks  # a cut-off, not always ten
    assert ranks == [f"[{i}]" for i in range(1, len(ranks) + 1)]  # rank order, no gaps
    groups = page.locator("#search-results .hit-group")
    headings = [groups.nth(i).locator(".hit-heading").inner_text() for i in range(groups.count())]
    for i in range(groups.count()):
        for cite in groups.nth(i).locator(".hit-cite").all_inner_texts():
            assert headings[i] not in cite  # the heading path is printed once, above its run
    first = page.locator("#search-results .hit").first
    marks = first.locator("mark.hit-term")
    assert marks.count() > 0
    assert all(m.lower().startswith(("iam", "role")) for m in marks.all_inner_texts())
    assert in_view(page, marks.first)
    shot(page, f"search-{width}.png")
    # a passage that is only a picture's file name is never a result; the one with words is
    search(page, "sqs queue diagram")
    text = page.locator("#search-results").inner_text()
    assert "An SQS queue diagram shows producers" in text and "sqs_queue_diagram_2.png" not in text
    # made-up words find nothing rather than ten unrelated passages
    search(page, "xyzzy quux")
    assert page.locator("#search-results .no-results").is_visible()
    assert page.locator("#search-results .hit").count() == 0
    page.close()


# ---- point 5: notes ------------------------------------------------------------------------------------------------

def notes_row(page, source: str):
    return page.locator(f'#notes-table tr[data-source="{source}"]')


def upload(page, paths: list[Path]) -> str:
    page.locator("#upload input[type=file]").set_input_files([str(p) for p in paths])
    page.wait_for_timeout(800)
    page.locator("#add-notes").click()
    page.wait_for_function("(n) => { const s = document.querySelector('#upload-status ul'); "
                           "return s && s.innerText.includes(n); }", arg=paths[-1].name, timeout=60_000)
    return page.locator("#upload-status ul").inner_text()


@pytest.mark.parametrize("width,height", SIZES)
def test_notes_reject_before_writing_list_failures_once_and_remove(browser, server, tmp_path, width, height):
    page = open_page(browser, server, width, height)
    open_tab(page, "Notes")
    notes_row(page, "notes/biology.md").wait_for(state="visible", timeout=30_000)
    # a file that fails to index is listed once, in its own row, with a Remove action
    broken = notes_row(page, "notes/broken.pdf")
    assert "not indexed" in broken.inner_text() and "or remove it" in broken.inner_text()
    assert broken.locator('td[data-label="indexed"]').inner_text() == "never"  # the failed attempt is no index time
    assert broken.get_by_role("button", name="Remove notes/broken.pdf").is_visible()
    assert page.locator("body").inner_text().count("broken.pdf") == 1
    # a binary renamed .md is refused before anything is written into notes/
    fake = tmp_path / f"fake-{width}.md"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(2000))
    said = upload(page, [fake])
    assert f"not added {fake.name}" in said and "binary" in said
    assert not (server.notes / fake.name).exists()
    # a later good upload: saved and indexed; the refused one is not repeated
    good = tmp_path / f"wombat-{width}.md"
    good.write_text("# Wombats\nWombats dig burrows with their strong claws and cube-shaped droppings.\n")
    said = upload(page, [good])
    assert f"saved {good.name}" in said and fake.name not in said
    source = f"notes/{good.name}"
    notes_row(page, source).wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#ingest-status .ingest-running')", timeout=60_000)
    assert page.locator("body").inner_text().count(fake.name) == 0
    shot(page, f"notes-{width}.png")
    # Remove asks first; Cancel keeps the note
    row = notes_row(page, source)
    row.get_by_role("button", name=f"Remove {source}").click()
    assert row.locator(".confirm").is_visible() and f"Remove {good.name} from your notes?" in row.inner_text()
    assert in_view(page, row.get_by_role("button", name="Yes, remove"))
    assert page.evaluate("document.activeElement.dataset.action === 'yes'")  # the keyboard is taken to the answer
    row.get_by_role("button", name="Cancel").click()
    assert not row.locator(".confirm").is_visible() and (server.notes / good.name).exists()
    # Remove, Yes: the file leaves notes/, the table follows the index, search no longer finds it
    row.get_by_role("button", name=f"Remove {source}").click()
    row.get_by_role("button", name="Yes, remove").click()
    page.wait_for_function("(s) => document.querySelector('#upload-status').innerText.includes('Removed ' + s)",
                           arg=source, timeout=30_000)
    assert not (server.notes / good.name).exists()
    page.wait_for_function("(s) => !document.querySelector(`#notes-table tr[data-source=\"${s}\"]`)", arg=source,
                           timeout=60_000)
    open_tab(page, "Search by concept")
    search(page, "wombats dig burrows")
    assert good.name not in page.locator("#search-results").inner_text()
    page.close()


# Words that say an ingest is under way (the status line while one runs, a file indexed in part), and the page
# condition "the Notes tab says none of them": it has followed the index to the end.
UNDER_WAY = r"indexing…|indexing: \d+ of|following…|Reading notes|Embedding \d"
AT_REST = ("(p) => !new RegExp(p).test(['#upload-status', '#ingest-status', '#notes-table']"
           ".map(s => document.querySelector(s).innerText).join(' '))")


def test_notes_tab_follows_the_index_to_the_end_whoever_started_it(browser, server, tmp_path):
    page = open_page(browser, server, 1440, 900)
    open_tab(page, "Notes")
    notes_row(page, "notes/biology.md").wait_for(state="visible", timeout=30_000)
    dropped = server.notes / "numbat.md"
    try:
        note = tmp_path / "quokka.md"
        note.write_text("# Quokkas\nQuokkas live on Rottnest Island and eat grasses at night.\n")
        assert "saved quokka.md" in upload(page, [note])
        notes_row(page, "notes/quokka.md").wait_for(state="visible", timeout=60_000)
        # once the index has the upload, nothing on the tab still says it is indexing (no click, no reload)
        page.wait_for_function(AT_REST, arg=UNDER_WAY, timeout=60_000)
        assert "Last indexing" in page.locator("#ingest-status").inner_text()
        # a note saved into the folder by hand (the server's watcher indexes it): the open tab shows it too
        dropped.write_text("# Numbats\nNumbats eat termites with a long sticky tongue.\n")
        notes_row(page, "notes/numbat.md").wait_for(state="visible", timeout=60_000)
        page.wait_for_function(AT_REST, arg=UNDER_WAY, timeout=60_000)
        shot(page, "notes-followed-1440.png")
    finally:  # the module's other tests count the notes: leave the folder as it was
        dropped.unlink(missing_ok=True)
        (server.notes / "quokka.md").unlink(missing_ok=True)
    for source in ("notes/numbat.md", "notes/quokka.md"):
        notes_row(page, source).wait_for(state="detached", timeout=60_000)
    page.wait_for_function(AT_REST, arg=UNDER_WAY, timeout=60_000)
    page.close()


# ---- point 6: looks and reach ------------------------------------------------------------------------------------

FONT_FILE = (".woff", ".woff2", ".ttf", ".otf")


def new_conversation(page) -> None:
    open_tab(page, "Ask")
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("document.querySelectorAll('#chatbot [data-testid=\"bot\"]').length === 0")


def ask(page, question: str) -> object:
    """Ask and wait for the answer; returns the newest answer's locator."""
    n = page.locator('#chatbot [data-testid="bot"]').count()
    page.fill("#chat-input textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#chatbot [data-testid=\"bot\"]').length > {n} && "
                           "document.querySelector('#chatbot [data-testid=\"bot\"]:last-of-type details, "
                           "#chatbot .message-row:last-child details') !== undefined", timeout=60_000)
    page.wait_for_timeout(400)  # the page script scrolls after the answer renders
    return page.locator('#chatbot [data-testid="bot"]').last


def first_line_in_view(page, answer) -> bool:
    """The answer's first line is inside the window and inside the chat's visible box."""
    box = answer.bounding_box()
    chat = page.locator("#chatbot").bounding_box()
    view = page.viewport_size
    return (box is not None and 0 <= box["y"] and box["y"] + 20 <= view["height"]
            and chat["y"] <= box["y"] and box["y"] + 20 <= chat["y"] + chat["height"])


@pytest.mark.parametrize("width,height", SIZES)
def test_every_tab_on_screen_in_system_fonts(browser, server, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    fonts = []
    page.on("request", lambda r: fonts.append(r.url) if r.url.lower().endswith(FONT_FILE) else None)
    page.goto(server.url)
    page.wait_for_selector("#chat-input textarea", timeout=60_000)
    assert not page.get_by_role("button", name="More tabs").is_visible()
    assert in_view(page, page.locator("#chat-input textarea"))  # the question box is within reach on arrival
    for name in TABS:
        open_tab(page, name)  # each tab is on the bar, inside the window
        page.wait_for_timeout(500)
        shot(page, f"tab-{name.split()[0].lower()}-{width}.png")
    families = page.evaluate("[...document.querySelectorAll('.gradio-container, button[role=tab], h2, textarea')]"
                             ".map(e => getComputedStyle(e).fontFamily)")
    assert families and all(f.startswith("system-ui") for f in families), families
    assert fonts == []  # no web font downloaded: every letter comes from one system font
    assert page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').length") == 0
    page.close()


def luminance(rgb: str) -> float:
    import re

    r, g, b = [float(x) for x in re.findall(r"[\d.]+", rgb)[:3]]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_light_and_dark_follow_the_system(browser, server):
    page = open_page(browser, server, 1440, 900, scheme="dark")
    open_tab(page, "Search by concept")
    search(page, "IAM roles")
    colours = "() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color, " \
              "getComputedStyle(document.querySelector('mark.hit-term')).backgroundColor]"
    body, text, mark = page.evaluate(colours)
    assert luminance(body) < 0.2 and luminance(text) > 0.7 and luminance(mark) < 0.5
    shot(page, "search-1440-dark.png")
    page.emulate_media(color_scheme="light")  # the system switches: the page follows without a reload
    page.wait_for_function("!document.body.classList.contains('dark')")
    body, text, mark = page.evaluate(colours)
    assert luminance(body) > 0.9 and luminance(text) < 0.3 and luminance(mark) > 0.8
    page.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_newest_answer_starts_in_view_after_asking(browser, server, width, height):
    page = open_page(browser, server, width, height)
    new_conversation(page)
    first = ask(page, "When should I use long polling?")
    assert "Long Polling" in first.inner_text()
    assert first_line_in_view(page, first)
    second = ask(page, "What does a mitochondrion produce?")
    assert "ATP" in second.inner_text()
    assert first_line_in_view(page, second)  # not scrolled down to the last citation
    shot(page, f"ask-{width}.png")
    page.close()


# Each visible dropdown: where its text runs (from the input's content edge for the width of its value, cut at
# the content box's end) and where its arrow is.
DROPDOWNS = """() => [...document.querySelectorAll('input[role="combobox"]')].filter(i => i.offsetParent).map(i => {
  const s = getComputedStyle(i), box = i.getBoundingClientRect(), pen = document.createElement('canvas').getContext('2d');
  pen.font = s.font;
  const left = box.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft);
  const end = box.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight);
  const arrow = (i.closest('.wrap-inner') || i.parentElement).querySelector('.icon-wrap').getBoundingClientRect();
  return {name: i.getAttribute('aria-label'), value: i.value, text: [left, Math.min(left + pen.measureText(i.value).width, end)],
          arrow: [arrow.left, arrow.right]};
})"""


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] \
        and b["y"] < a["y"] + a["height"]


def test_on_a_phone_no_dropdown_arrow_covers_its_text_nor_the_clear_icon_the_newest_question(browser, server):
    page = open_page(browser, server, 390, 844)
    seen = []
    for name in TABS:
        open_tab(page, name)
        page.wait_for_timeout(1500)  # the tab's own load (the Review tab's sections)
        page.wait_for_function("[...document.querySelectorAll('input[role=combobox]')].every(i => !i.offsetParent || i.value)")
        for box in page.evaluate(DROPDOWNS):
            seen.append(box["name"])
            assert box["value"] and box["text"][1] <= box["arrow"][0], (name, box)
    assert "Section" in seen  # the Review tab's section dropdown was measured
    open_tab(page, "Review")
    shot(page, "review-dropdown-390.png")
    new_conversation(page)
    ask(page, "When should I use long polling?")
    ask(page, "Which AWS service decouples the producers of messages from the consumers that read them later on?")
    newest = page.locator("#chatbot .message-row.user-row").last
    newest.evaluate("row => window.studyPage.showStart(row, 8)")  # at the top of the chat, as after asking
    page.wait_for_timeout(300)
    clear = page.locator("#chatbot").get_by_role("button", name="Clear", exact=True)
    icon = clear.evaluate("b => (b.closest('.icon-button-wrapper') || b).getBoundingClientRect().toJSON()")
    question = newest.bounding_box()
    assert clear.is_visible() and question["y"] < icon["y"] + icon["height"]  # the same height on the screen ...
    assert not overlap(icon, question), (icon, question)  # ... and not under the icon
    shot(page, "ask-clear-icon-390.png")
    page.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_review_verdict_in_view_after_grading(browser, server, width, height):
    page = open_page(browser, server, width, height)
    open_tab(page, "Review")
    page.wait_for_function("document.querySelector('#review-counts') && "
                           "document.querySelector('#review-counts').innerText.includes('cards')", timeout=60_000)
    page.locator("#review-start").click()
    page.wait_for_selector("#review-card .card-q", timeout=30_000)
    page.fill("#review-input textarea", "purple elephants dancing")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review-card .grade", timeout=60_000)
    page.wait_for_timeout(300)
    assert in_view(page, page.locator("#review-card .grade"))
    shot(page, f"review-verdict-{width}.png")
    page.close()


# ---- point 3: an empty chat suggests questions and says what is indexed ----------------------------------------

def subject(question: str) -> str:
    """What a suggested question is about: 'What do my notes say about Ribosomes?' -> 'Ribosomes'."""
    import re

    q = re.sub(r"^(What do my notes say about|What does|What is|What are)\s+", "", question).rstrip("?")
    return q.removesuffix(" stand for").strip("“” ")


def health(server: Served) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(server.url + "api/health", timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("width,height", SIZES)
def test_empty_chat_suggests_questions_from_several_files_and_asks_one(browser, server, width, height):
    import re

    page = open_page(browser, server, width, height)
    suggestions = page.locator("#chatbot button.example")
    suggestions.first.wait_for(state="visible", timeout=30_000)
    asked = suggestions.all_inner_texts()
    assert len(asked) >= 5, asked
    texts = {p.name: p.read_text(errors="ignore").lower() for p in server.notes.glob("*.md")}
    files = set()
    for q in asked:
        found = [name for name, text in texts.items() if subject(q).lower() in text]
        assert found, q  # taken from the notes themselves
        files.update(found[:1] if len(found) == 1 else [])
    assert len(files) >= 3, (asked, files)  # varied across files
    assert in_view(page, suggestions.first)
    summary = page.locator("#index-summary").inner_text()
    m = re.search(r"(\d+) files · (\d+) passages · last indexed \d{4}-\d\d-\d\d \d\d:\d\d · 1 not readable", summary)
    assert m, summary
    assert int(m.group(2)) == health(server)["passages"] and int(m.group(1)) == 5  # the broken PDF is not counted
    if width > 1000:
        assert page.locator("#index-summary p").evaluate("p => p.getClientRects().length === 1 && p.offsetHeight < 30")
    shot(page, f"ask-empty-{width}.png")
    # clicking one asks it
    choice = next(q for q in asked if "Ribosomes" in q or "Mitochondria" in q)
    suggestions.filter(has_text=choice).first.click()
    page.wait_for_selector('#chatbot [data-testid="bot"]', timeout=60_000)
    assert page.locator('#chatbot [data-testid="user"]').first.inner_text().strip() == choice
    assert "notes/biology.md" in page.locator('#chatbot [data-testid="bot"]').first.inner_text()
    page.close()


# ---- points 1 and 2: the sources panel, citation chips, the source viewer -------------------------------------

def passages_per_file(server: Served) -> dict[str, int]:
    from index import load

    return {s: f.get("passages", 0) for s, f in load(server.home, lexical=False).files.items() if not f.get("error")}


def tick_only(page, names: list[str] | None) -> None:
    """Tick exactly these files in the sources panel (None: all of them)."""
    boxes = page.locator("#sources label")
    for i in range(boxes.count()):
        label = boxes.nth(i)
        box = label.locator("input[type=checkbox]")
        want = names is None or any(label.inner_text().startswith(n + " ·") for n in names)
        if box.is_checked() != want:
            label.click()
    page.wait_for_timeout(300)


def test_sources_panel_lists_the_notes_and_ticks_what_a_question_searches(browser, server):
    page = open_page(browser, server, 1440, 900)
    labels = page.locator("#sources label")
    labels.first.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("[...document.querySelectorAll('#sources input')].every(i => i.checked)", timeout=10_000)
    shown = labels.all_inner_texts()
    expected = passages_per_file(server)
    assert len(shown) == len(expected)
    for source, n in expected.items():
        assert f"{Path(source).name} · {n} passage{'s' if n != 1 else ''}" in shown
    assert all(labels.nth(i).locator("input").is_checked() for i in range(labels.count()))
    assert "broken.pdf: not indexed" in page.locator("#unreadable").inner_text()
    chat = page.locator("#chatbot").bounding_box()
    panel = page.locator("#sources").bounding_box()
    assert panel["x"] + panel["width"] <= chat["x"]  # beside the chat, on its left
    # only the history notes ticked: a biology question finds nothing there, and cites no other file
    tick_only(page, ["history.md"])
    answer = ask(page, "What does the mitochondrion produce?")
    assert "biology.md" not in answer.inner_text()
    cited = {c.split(":")[0] for c in answer.locator("details summary").all_inner_texts()}
    assert all("history.md" in c for c in cited), cited
    tick_only(page, ["geology.pdf"])
    answer = ask(page, "Where does magma rise?")
    assert "Magma rises" in answer.inner_text()
    assert all("geology.pdf" in s for s in answer.locator("details summary").all_inner_texts())
    tick_only(page, None)
    page.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_citation_chip_opens_the_passage_in_the_viewer(browser, server, width, height):
    page = open_page(browser, server, width, height)
    new_conversation(page)
    answer = ask(page, "When should I use long polling?")
    chip = answer.locator(".answer-text a.chip").first
    assert chip.inner_text() == "[1]"
    where = chip.get_attribute("title")  # what hovering shows
    assert where.startswith("notes/aws-developer-notes.md:") and "Exam Note" in where
    cited = answer.locator("details summary").first.inner_text()  # '[1] notes/aws-developer-notes.md:668-676 — ...'
    chip.hover()
    chip.click()
    viewer = page.locator("#viewer")
    title = viewer.locator(".viewer-head h2")
    title.wait_for(state="visible", timeout=30_000)
    assert title.inner_text() in cited  # the chip opened the unit it cites
    mark = viewer.locator(".viewer-body mark").first
    mark.wait_for(state="visible")
    page.wait_for_timeout(200)
    body = viewer.locator(".viewer-body").bounding_box()
    box = mark.bounding_box()
    assert body["y"] <= box["y"] and box["y"] + 10 <= body["y"] + body["height"]  # scrolled into view in the viewer
    assert in_view(page, mark)
    assert "Long Polling" in viewer.locator(".viewer-body mark b").first.inner_text()  # the quoted line, in bold
    chat = page.locator("#chatbot").bounding_box()
    panel = viewer.bounding_box()
    if width > 1000:
        assert panel["x"] >= chat["x"] + chat["width"] - 1 and in_view(page, page.locator("#chatbot"))  # beside it
    else:
        assert panel["x"] <= 10 and panel["width"] >= width - 20 and panel["y"] <= chat["y"]  # over the chat
        assert in_view(page, viewer.locator(".viewer-close"))
    shot(page, f"viewer-{width}.png")
    if width > 1000:
        page.keyboard.press("Escape")  # Escape closes, and the focus goes back to the chip
        viewer.wait_for(state="hidden")
        assert page.evaluate("document.activeElement.classList.contains('chip')")
    else:
        viewer.locator(".viewer-close").click()
        viewer.wait_for(state="hidden")
        assert in_view(page, page.locator("#chatbot"))
    page.close()


def test_a_pdf_page_opens_whole_with_the_cited_passage_marked(browser, server):
    page = open_page(browser, server, 1440, 900)
    new_conversation(page)
    answer = ask(page, "Where does magma rise?")
    chips = answer.locator("details .open-beside a.chip")
    pdf = next(i for i in range(chips.count()) if "geology.pdf" in chips.nth(i).get_attribute("title"))
    answer.locator("details summary").nth(pdf).click()  # the citation opens in place, with its chip inside
    chips.nth(pdf).click()
    viewer = page.locator("#viewer")
    viewer.locator(".viewer-head h2").wait_for(state="visible", timeout=30_000)
    assert viewer.locator(".viewer-head h2").inner_text() == "notes/geology.pdf p.2"
    assert "Magma rises" in viewer.locator(".viewer-body mark").first.inner_text()
    page.keyboard.press("Escape")
    viewer.wait_for(state="hidden")
    page.close()


# ---- point 7: axe-core and the keyboard ------------------------------------------------------------------------

SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (axe-playwright-python bundles axe-core's own script)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


def test_axe_core_finds_no_serious_violation_on_any_tab(browser, server):
    report = []
    for width, height, scheme in [(1440, 900, "light"), (390, 844, "light"), (390, 844, "dark")]:
        page = open_page(browser, server, width, height, scheme)
        page.locator("#chatbot button.example").first.wait_for(state="visible", timeout=30_000)
        for name in TABS:
            open_tab(page, name)
            page.wait_for_timeout(1500)  # the tab's own load (counts, plots, table)
            if name == "Search by concept":
                search(page, "IAM roles")
            found = axe_violations(page)
            report.append((f"{name} {width}x{height} {scheme}", found))
        # the Ask tab with an answer and the source viewer open
        new_conversation(page)
        ask(page, "When should I use long polling?").locator(".answer-text a.chip").first.click()
        page.locator("#viewer .viewer-body mark").first.wait_for(state="visible", timeout=30_000)
        report.append((f"Ask+viewer {width}x{height} {scheme}", axe_violations(page)))
        page.close()
    lines = []
    for where, found in report:
        counts = {impact: sum(len(v["nodes"]) for v in found if v["impact"] == impact)
                  for impact in ("critical", "serious", "moderate", "minor")}
        rules = ", ".join(sorted({f"{v['id']} ({v['impact']})" for v in found})) or "none"
        lines.append(f"{where}: " + " ".join(f"{k} {n}" for k, n in counts.items()) + f"; rules: {rules}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-results.txt").write_text("\n".join(lines) + "\n")
    bad = [(where, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for where, found in report for v in found if v["impact"] in SERIOUS]
    assert not bad, bad


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (as a keyboard user gets there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_everything_by_keyboard_ask_open_a_citation_close_it(browser, server):
    page = open_page(browser, server, 1440, 900)
    page.locator("#chatbot button.example").first.wait_for(state="visible", timeout=30_000)
    page.locator("body").click(position={"x": 5, "y": 5})
    tab_to(page, "#chat-input textarea")
    page.keyboard.type("When should I use long polling?")
    page.keyboard.press("Enter")  # Enter sends
    page.wait_for_selector('#chatbot [data-testid="bot"] a.chip', timeout=60_000)
    tab_to(page, '#chatbot [data-testid="bot"] .answer-text a.chip')
    page.keyboard.press("Enter")
    viewer = page.locator("#viewer")
    viewer.locator(".viewer-body mark").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("document.activeElement.closest('#viewer') !== null", timeout=5_000)  # focus moved in
    page.keyboard.press("Escape")
    viewer.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('chip')")  # and back to the chip
    # the tabs are reachable by keyboard too: focus the tab bar, arrow keys or Tab, Enter opens
    tab = page.get_by_role("tab", name="Notes", exact=True)
    tab.focus()
    page.keyboard.press("Enter")
    page.locator("#notes-table tr").first.wait_for(state="visible", timeout=30_000)
    page.close()
