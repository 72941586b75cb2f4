"""A real browser against `study serve`: ask, see the answer and its citation, open it; note HTML never runs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request

import pytest


from .conftest import ARTIFACTS, NOTES, ROOT, Served, chromium, served_index

pytestmark = [pytest.mark.browser, pytest.mark.integration]
EVIL = """# Injection test
__Cross-site scripting sample__
Zebra quokka marker: <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> end.
"""


@pytest.fixture(scope="module")
def server(real_home, tmp_path_factory) -> Served:
    base = tmp_path_factory.mktemp("served")
    notes = base / "notes"
    shutil.copytree(NOTES, notes)
    (notes / "evil.md").write_text(EVIL)
    with served_index(real_home, base, notes) as served:
        yield served


@pytest.fixture(scope="module")
def page(server):
    with chromium() as browser:
        pg = browser.new_page(viewport={"width": 1280, "height": 1100})
        pg.goto(server.url)
        pg.wait_for_selector("#chat-input textarea", timeout=60_000)
        yield pg


def new_conversation(page) -> None:
    """Each test starts its own conversation on the Ask tab, whatever the tests before it left there."""
    page.get_by_role("tab", name="Ask").click()
    page.fill("#chat-input textarea", "(clearing)")  # emptied by the clear itself: proof it has run
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("document.querySelectorAll('#chatbot [data-testid=\"bot\"]').length === 0 && "
                           "document.querySelector('#chat-input textarea').value === ''")


def ask(page, question: str, n: int):
    page.fill("#chat-input textarea", question)
    page.keyboard.press("Enter")
    bots = page.locator('#chatbot [data-testid="bot"]')
    page.wait_for_function(f"document.querySelectorAll('#chatbot [data-testid=\"bot\"] details').length > 0 && "
                           f"document.querySelectorAll('#chatbot [data-testid=\"bot\"]').length >= {n}", timeout=60_000)
    return bots.nth(n - 1)


def test_question_gets_answer_and_citation_that_opens_in_context(page):
    new_conversation(page)
    bot = ask(page, "When should I use long polling?", 1)
    text = bot.inner_text()
    assert "Long Polling" in text
    assert "[1] notes/aws-developer-notes.md:" in text and "Setion20 SQS, SNS & Kinesis > Exam Note" in text
    bot.locator("details summary").first.click()
    context = bot.locator("details .ctx-pre").first
    context.wait_for(state="visible")
    assert "less API calls" in context.inner_text()
    assert bot.locator("details mark").count() > 0  # the passage is marked inside its context
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ask-long-polling.png"), full_page=True)


def test_follow_up_stays_in_the_conversation(page):
    new_conversation(page)
    ask(page, "When should I use long polling?", 1)
    ask(page, "and what about FIFO queues?", 2)
    assert page.locator('#chatbot [data-testid="user"]').count() >= 2
    assert "FIFO" in page.locator('#chatbot [data-testid="bot"]').nth(1).inner_text()


def test_html_in_a_note_is_shown_as_text_never_run(page):
    new_conversation(page)
    bot = ask(page, "zebra quokka marker", 1)
    bot.locator("details summary").first.click()
    assert "<script>" in bot.inner_text()
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path=str(ARTIFACTS / "ask-escaped-html.png"), full_page=True)


def test_upload_indexes_the_note_and_it_becomes_searchable(page, tmp_path):
    note = tmp_path / "platypus notes.md"
    note.write_text("# Upload test\nThe platypus service keeps marsupial records in zebra buckets.\n")
    page.get_by_role("tab", name="Notes").click()
    page.locator("#upload input[type=file]").set_input_files([str(note)])
    page.wait_for_timeout(1000)
    page.locator("#add-notes").click()
    page.wait_for_selector("#upload-status li", timeout=60_000)
    assert "saved platypus notes.md" in page.locator("#upload-status").inner_text()
    page.wait_for_function("document.querySelector('#notes-table').innerText.includes('notes/platypus notes.md')")
    page.screenshot(path=str(ARTIFACTS / "notes-upload.png"), full_page=True)
    page.get_by_role("tab", name="Search by concept").click()
    page.fill("#search-input textarea", "marsupial records")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results details", timeout=30_000)
    assert "notes/platypus notes.md" in page.locator("#search-results .hit-cite").first.inner_text()
    page.get_by_role("tab", name="Ask").click()


def test_review_tab_quizzes_grades_and_persists(page, server):
    page.get_by_role("tab", name="Review").click()
    page.locator("#review-section input").fill("DynamoDB")  # free text: part of a heading
    page.locator("#review-start").click()
    page.wait_for_selector("#review-card .card-q", timeout=30_000)
    assert "DynamoDB" in page.locator("#review-card .card-q").inner_text()
    page.fill("#review-input textarea", "no idea at all")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review-card .grade", timeout=30_000)
    assert "again" in page.locator("#review-card .grade").inner_text()
    assert "notes/aws-developer-notes.md:" in page.locator("#review-cited").inner_text()
    assert page.locator("#review-cited details mark").count() > 0  # the answer is marked in the cited lines
    page.locator("#review-ratings button.primary").click()  # recorded only now: the suggested rating, again
    page.wait_for_function("document.querySelector('#review-progress').innerText.includes('reviews done: 1')", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)
    # a reload (new page, same server and data folder) still shows the review in the progress view
    page.goto(server.url)
    page.wait_for_selector("#chat-input textarea", timeout=60_000)
    page.get_by_role("tab", name="Review").click()
    page.wait_for_function("document.querySelector('#review-progress').innerText.includes('reviews done: 1')", timeout=30_000)


def questions_answered(server: Served) -> int:
    with urllib.request.urlopen(server.url + "api/health", timeout=30) as response:
        return json.loads(response.read())["questions"]


def test_cli_asks_the_running_server_and_gets_the_local_answer(server):
    env = dict(os.environ, STUDY_HOME=str(server.home))
    env.pop("STUDY_MODEL", None)
    outputs = {}
    for flag in ([], ["--local"]):
        before = questions_answered(server)
        out = subprocess.run([sys.executable, "-m", "app", "ask", "--json", *flag, "When should I use long polling?"],
                             capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
        assert out.returncode == 0, out.stderr
        outputs[bool(flag)] = json.loads(out.stdout)
        # the server answered the first (and only the first): its count of questions says so
        assert questions_answered(server) == before + (0 if flag else 1), flag
    served, local = outputs[False], outputs[True]
    assert served["answer"] == local["answer"]
    assert [p["text"] for p in served["passages"]] == [p["text"] for p in local["passages"]]


def test_api_handles_odd_questions(server):
    for question in ["When should I use long polling? " * 313, "", "?!...,;"]:
        request = urllib.request.Request(server.url + "api/ask", data=json.dumps({"question": question}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            body = json.loads(response.read())
        assert body["json"]["answer"] and body["terminal"]
