"""The sources panel and the citation chips as a student uses them, in Chromium at 1440x900 and 390x844: adding and
removing notes from the panel beside the chat, ticking folders as well as files (a question then searches exactly
those), and, on a touch screen, a long press on a chip that says where it points while a tap opens it."""
from __future__ import annotations

import os
import re

import pytest

from .conftest import ARTIFACTS, Served, make_pdf, served_index
from .test_browser_ui import GEOLOGY, SIZES, ask, axe_violations, in_view, new_conversation, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration]

# A small notes folder with sub-folders (two levels), a note at the top and a PDF.
TREE = {
    "queues.md": """# Queues

## Long polling
Use long polling when a consumer should wait for messages instead of receiving empty responses. Long polling waits up
to twenty seconds for a message to arrive.
""",
    "biology/cells.md": """# Cells

## Mitochondria
The mitochondrion is the powerhouse of the cell. It produces ATP through oxidative phosphorylation.

## Ribosomes
Ribosomes translate messenger RNA into proteins.
""",
    "biology/plants.md": """# Plants

## Photosynthesis
Chloroplasts capture light energy and convert carbon dioxide and water into glucose and oxygen.
""",
    "history/revolutions.md": """# Revolutions

## The French revolution
The French revolution started in 1789 with the storming of the Bastille. It ended the absolute monarchy.
""",
    "history/empires/rome.md": """# Rome

## The Roman empire
The Roman empire was ruled by emperors from Augustus onwards. Its capital Rome was founded on seven hills.
""",
}
BIOLOGY = {"notes/biology/cells.md", "notes/biology/plants.md"}
HISTORY = {"notes/history/revolutions.md", "notes/history/empires/rome.md"}


@pytest.fixture(scope="module")
def server(real_home, tmp_path_factory) -> Served:
    base = tmp_path_factory.mktemp("served-sources")
    notes = base / "notes"
    for name, text in TREE.items():
        (notes / name).parent.mkdir(parents=True, exist_ok=True)
        (notes / name).write_text(text)
    make_pdf(notes / "geology.pdf", GEOLOGY)
    with served_index(real_home, base, notes) as served:
        yield served


def panel_shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#sources-col").screenshot(path=str(ARTIFACTS / name))


def note_box(page, source: str):
    return page.locator(f'#sources input[data-source="{source}"]')


def folder_box(page, folder: str):
    return page.locator(f'#sources input[data-folder="{folder}"]')


def folder_label(page, folder: str):
    return page.locator(f'#sources .src-folder > label:has(input[data-folder="{folder}"])')


def wait_for_panel(page) -> None:
    note_box(page, "notes/queues.md").wait_for(state="attached", timeout=30_000)


def cited_files(answer) -> set[str]:
    """The files an answer cites, from its citation headings ('[1] notes/x.md:3-4 — ...')."""
    return {re.sub(r"^\[\d+\]\s*", "", s).split(":")[0].split(" p.")[0].strip()
            for s in answer.locator("details summary").all_inner_texts()}


# ---- gap 1: add and remove notes from the panel --------------------------------------------------------------------

def add_in_panel(page, path) -> str:
    """Choose a file with the panel's Add button as a person would; returns what the panel says about it."""
    button = page.locator("#panel-upload")
    button.scroll_into_view_if_needed()
    assert button.is_visible() and in_view(page, button) and "Add notes" in button.inner_text()
    page.locator("#sources-col input[type=file]").set_input_files(str(path))
    page.wait_for_function("(n) => document.querySelector('#panel-said').innerText.includes(n)", arg=path.name,
                           timeout=60_000)
    return page.locator("#panel-said").inner_text()


@pytest.mark.parametrize("width,height", SIZES)
def test_the_panel_adds_a_note_refuses_a_bad_one_and_removes_one_after_asking(browser, server, tmp_path, width,
                                                                             height):
    page = open_page(browser, server, width, height)
    wait_for_panel(page)
    # a binary renamed .md is refused before anything is written into notes/
    fake = tmp_path / f"fake-{width}.md"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(2000))
    said = add_in_panel(page, fake)
    assert f"not added {fake.name}" in said and "binary" in said
    assert not (server.notes / fake.name).exists()
    # a good note is saved, indexed in the background, and joins the panel's list, ticked
    good = tmp_path / f"wombat-{width}.md"
    good.write_text("# Wombats\nWombats dig burrows with their strong claws and leave cube-shaped droppings.\n")
    said = add_in_panel(page, good)
    assert f"saved {good.name}" in said and fake.name not in said
    assert (server.notes / good.name).exists()
    source = f"notes/{good.name}"
    row = page.locator(f'#sources li[data-source="{source}"]')
    row.wait_for(state="visible", timeout=90_000)
    assert row.locator("label").inner_text() == f"{good.name} · 1 passage" and note_box(page, source).is_checked()
    page.wait_for_function("() => !document.querySelector('#panel-progress .ingest-running')", timeout=90_000)
    assert "Last indexing" in page.locator("#panel-progress").inner_text()
    panel_shot(page, f"sources-panel-{width}.png")
    answer = ask(page, "What do wombats dig with?")
    assert source in cited_files(answer)  # the index followed: the new note answers
    # Remove asks first, in the row; Cancel keeps the note
    row.scroll_into_view_if_needed()
    row.get_by_role("button", name=f"Remove {source}").click()
    assert row.locator(".confirm").is_visible() and f"Remove {good.name} from your notes?" in row.inner_text()
    yes = row.get_by_role("button", name="Yes, remove")
    assert in_view(page, yes) and page.evaluate("document.activeElement.dataset.action === 'yes'")
    panel_shot(page, f"sources-panel-remove-{width}.png")
    page.keyboard.press("Escape")  # Escape is Cancel
    assert not row.locator(".confirm").is_visible() and (server.notes / good.name).exists()
    # Remove, Yes: the file leaves notes/ and the panel's list follows the index
    row.get_by_role("button", name=f"Remove {source}").click()
    yes.click()
    page.wait_for_function("(s) => document.querySelector('#panel-said').innerText.includes('Removed ' + s)",
                           arg=source, timeout=30_000)
    assert not (server.notes / good.name).exists()
    row.wait_for(state="detached", timeout=90_000)
    assert note_box(page, "notes/queues.md").is_visible()  # the others stay listed
    page.close()


# ---- gap 2: folders ------------------------------------------------------------------------------------------------

def press_space_on(page, box) -> None:
    """Tick or untick a box from the keyboard: focus it, press Space."""
    box.focus()
    page.keyboard.press(" ")


@pytest.mark.parametrize("width,height", SIZES)
def test_ticking_a_folder_selects_every_note_under_it_and_questions_search_exactly_those(browser, server, width,
                                                                                          height):
    page = open_page(browser, server, width, height)
    wait_for_panel(page)
    biology, history, empires = folder_box(page, "biology/"), folder_box(page, "history/"), folder_box(page, "history/empires/")
    # the notes are grouped under their folders: each note's box is indented under its folder's box
    folder = folder_label(page, "history/")
    folder.scroll_into_view_if_needed()
    assert "history/ · 2 notes" in folder.inner_text() and in_view(page, folder)
    for source, box in [("notes/history/revolutions.md", history), ("notes/history/empires/rome.md", empires)]:
        note, over = note_box(page, source).bounding_box(), box.bounding_box()
        assert note["x"] >= over["x"] + 8 and note["y"] > over["y"], source
    assert all(b.is_checked() for b in (biology, history, empires))
    # Space on the history folder unticks every note under it, its sub-folder included
    press_space_on(page, history)
    assert not history.is_checked() and not empires.is_checked()
    assert not any(note_box(page, s).is_checked() for s in HISTORY)
    press_space_on(page, note_box(page, "notes/queues.md"))  # and a note at the top, by itself
    press_space_on(page, note_box(page, "notes/geology.pdf"))
    panel_shot(page, f"sources-folders-{width}.png")
    # only the biology folder is ticked: a history question cites nothing outside it, a biology one finds its answer
    answer = ask(page, "When did the French revolution start?")
    assert cited_files(answer) <= BIOLOGY and "1789" not in answer.inner_text()
    answer = ask(page, "What does the mitochondrion produce?")
    assert "ATP" in answer.inner_text() and cited_files(answer) <= BIOLOGY
    # one note ticked inside a folder: the folder shows "some" (mixed), and that note is searched with biology
    press_space_on(page, note_box(page, "notes/history/empires/rome.md"))
    assert history.evaluate("b => b.indeterminate && !b.checked") and empires.is_checked()
    answer = ask(page, "Who ruled the Roman empire?")
    assert "notes/history/empires/rome.md" in cited_files(answer)
    assert cited_files(answer) <= BIOLOGY | {"notes/history/empires/rome.md"}
    # ticking the mixed folder ticks all of it; unticking biology leaves history alone
    press_space_on(page, history)
    assert history.is_checked() and not history.evaluate("b => b.indeterminate")
    assert all(note_box(page, s).is_checked() for s in HISTORY)
    biology.scroll_into_view_if_needed()
    folder_label(page, "biology/").click()  # a click on the folder's name does the same
    assert not any(note_box(page, s).is_checked() for s in BIOLOGY)
    answer = ask(page, "When did the French revolution start?")
    assert "1789" in answer.inner_text() and cited_files(answer) <= HISTORY
    page.close()


def test_axe_core_finds_no_serious_violation_in_the_panel_with_folders_and_a_confirmation(browser, server):
    bad = []
    for width, height in SIZES:
        page = open_page(browser, server, width, height)
        wait_for_panel(page)
        page.get_by_role("button", name="Remove notes/queues.md").click()  # the confirmation, open
        page.locator('#sources li[data-source="notes/queues.md"] .confirm').wait_for(state="visible")
        bad += [(width, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        page.close()
    assert not bad, bad


# ---- gap 3: a long press on a chip (touch) ----------------------------------------------------------------------------

def long_press(page, cdp, locator, ms: int = 900) -> None:
    """Hold a finger on the element for ``ms``, then lift it (Chromium's own touch input, as a phone sends it)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    page.wait_for_timeout(ms)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(400)  # a click the browser sends on lifting would land by now


@pytest.mark.parametrize("width,height", SIZES)
def test_a_long_press_on_a_chip_shows_where_it_points_and_a_tap_opens_it(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True,
                                  is_mobile=width < 1000)
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector("#chat-input textarea", timeout=60_000)
    cdp = context.new_cdp_session(page)
    viewer = page.locator("#viewer")
    bubble = page.locator("#chip-where")
    new_conversation(page)
    answer = ask(page, "When should I use long polling?")
    chip = answer.locator(".answer-text a.chip").first
    where = chip.get_attribute("title")
    assert re.match(r"notes/queues\.md:\d+(-\d+)? — ", where), where
    long_press(page, cdp, chip)
    assert bubble.is_visible() and bubble.inner_text() == where  # the file and its lines, as hovering says
    assert in_view(page, bubble)
    assert not viewer.is_visible() and page.locator("#viewer-col[data-open]").count() == 0  # nothing opened
    chip.tap()  # a tap opens the passage in the viewer, and the bubble goes
    title = viewer.locator(".viewer-head h2")
    title.wait_for(state="visible", timeout=30_000)
    assert title.inner_text() in answer.locator("details summary").first.inner_text()
    assert not bubble.is_visible()
    viewer.locator(".viewer-close").tap()
    viewer.wait_for(state="hidden")
    # a PDF's chip says its page
    answer = ask(page, "Where does magma rise?")
    chip = answer.locator(".answer-text a.chip").first
    long_press(page, cdp, chip)
    assert bubble.is_visible() and bubble.inner_text().startswith("notes/geology.pdf p.2")
    assert not viewer.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"chip-long-press-{width}.png"))
    context.close()
