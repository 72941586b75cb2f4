"""The Gradio web page: Ask (chat with cited answers), Search by concept, Review, Notes.

The page only: what each tab does when used. The HTML comes from app.render; the server around the page
(JSON API, guard, launch) is app.server. Per-browser state lives in the page's own components (the chat
history, the current card); review sessions belong to this page's instance, not to the module.
"""
from __future__ import annotations

import os
from pathlib import Path

from ingest import SUPPORTED

from .render import (answer_html, card_html, esc, feedback_html, ingest_status_html, notes_table, review_progress_html,
                     search_html)
from .service import Study

CSS = """
.ctx-pre, .passage { white-space: pre-wrap; font-size: 0.85em; line-height: 1.35; }
.cite summary { cursor: pointer; font-weight: 600; }
mark { background: #fff3a3; color: inherit; }
"""


def _text_of(content) -> str:
    """Chat content arrives as a string (API clients) or as a list of blocks (the browser)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return str(content or "")


def previous_questions(history: list) -> list[str]:
    return [_text_of(m.get("content")) for m in history or [] if isinstance(m, dict) and m.get("role") == "user"]


def _notes_html(study: Study) -> str:
    searcher = study.searcher()
    return notes_table(searcher.index.files, len(searcher.chunks), searcher.index.manifest.model)


def _progress_html(study: Study) -> str:
    from .review.store import ReviewStore, ReviewStoreError, store_path

    try:
        store = ReviewStore(store_path(study.home))
        return review_progress_html(store.stats(), store.recovered)
    except ReviewStoreError as e:
        return f'<p class="review-error"><b>Review progress is unavailable:</b> {esc(str(e))}</p>'


def build_ui(study: Study):
    # Set before gradio is imported: analytics would otherwise call outside hosts.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    from .review.session import Sessions, when
    from .review.store import ReviewStoreError

    sessions = Sessions(study)

    def respond(message: str, history: list):
        history = list(history or [])
        message = (message or "").strip()
        if not message:
            return "", history
        answer = study.ask(message, previous=previous_questions(history))
        searcher = study.searcher()
        reply = answer_html(answer, searcher.index.files, searcher.chunks)
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": reply}]
        return "", history

    def add_notes(files, replace: bool):
        from gradio.utils import get_upload_folder

        from .uploads import save_uploads

        pairs = [(Path(f), Path(f).name) for f in files or []]
        if not pairs:
            return "<p>Choose or drop files first.</p>", _notes_html(study), None, gr.Timer(active=False)
        saved, rejected = save_uploads(pairs, study.notes, replace=bool(replace), allowed_from=Path(get_upload_folder()),
                                       max_bytes=study.settings.max_note_bytes)
        lines = [f"<li>rejected <b>{esc(name)}</b>: {esc(why)}</li>" for name, why in rejected]
        if saved:
            # Answer at once; the index follows in the background and the status line below shows how far.
            study.ingest_in_background()
            lines.insert(0, f"<li>saved {', '.join(esc(n) for n in saved)}; indexing…</li>")
        return "<ul>" + "".join(lines) + "</ul>", _notes_html(study), None, gr.Timer(active=bool(saved))

    def poll_ingest():
        running = study.status.running
        return ingest_status_html(study.status), _notes_html(study), gr.Timer(active=running)

    def review_start(section_text: str):
        try:
            session = sessions.get(section_text)
        except ReviewStoreError as e:
            return [{"role": "assistant", "content": f"<p>{esc(str(e))}</p>"}], None, _progress_html(study)
        card = session.next()
        message = card_html(card) if card else "<p>Nothing due here. Come back later, or pick another section.</p>"
        return [{"role": "assistant", "content": message}], (card.to_json() if card else None), _progress_html(study)

    def review_answer(reply_text: str, history: list, card_json, section_text: str):
        from .review.cards import Card

        history = list(history or [])
        if not card_json:
            return "", history, None, _progress_html(study)
        try:
            session = sessions.get(section_text)
            card = Card(**card_json)
            feedback = session.answer(card, reply_text or "")
        except ReviewStoreError as e:
            history.append({"role": "assistant", "content": f"<p>Your answer could not be saved: {esc(str(e))}</p>"})
            return "", history, card_json, _progress_html(study)
        history.append({"role": "user", "content": esc(reply_text) if reply_text.strip() else "<i>(no answer)</i>"})
        searcher = study.searcher()
        history.append({"role": "assistant", "content": feedback_html(feedback, searcher.index.files, when(feedback.due),
                                                                      searcher.chunks)})
        nxt = session.next()
        history.append({"role": "assistant", "content": card_html(nxt) if nxt else "<p>That's all for now: nothing else is due.</p>"})
        return "", history, (nxt.to_json() if nxt else None), _progress_html(study)

    def do_search(term: str) -> str:
        term = (term or "").strip()
        if not term:
            return "<p>Type a concept or an exact term.</p>"
        searcher = study.searcher()
        return search_html(study.search(term, k=10), searcher.index.files, searcher.chunks)

    with gr.Blocks(title="study", analytics_enabled=False) as demo:
        gr.Markdown("## study: ask your notes")
        with gr.Tab("Ask"):
            chatbot = gr.Chatbot(elem_id="chatbot", label="Answers cite your notes; open a citation to see it in context",
                                 height=560, sanitize_html=True, buttons=["copy"], latex_delimiters=[])
            box = gr.Textbox(elem_id="chat-input", placeholder="Ask a question about your notes", show_label=False,
                             submit_btn=True)
            clear = gr.Button("New conversation", size="sm")
            box.submit(respond, [box, chatbot], [box, chatbot], api_name="chat")
            # Cleared in the browser: a round trip could land after the next answer and wipe it.
            clear.click(None, None, [box, chatbot], js="() => ['', []]", api_name=False)
        with gr.Tab("Search by concept"):
            term = gr.Textbox(elem_id="search-input", placeholder="A concept, or an exact term as your notes write it",
                              show_label=False, submit_btn=True)
            results = gr.HTML(elem_id="search-results")
            term.submit(do_search, term, results, api_name="search")
        with gr.Tab("Review") as review_tab:
            with gr.Row():
                section = gr.Textbox(elem_id="review-section", placeholder="Restrict to a section: text of its heading (empty: all)",
                                     show_label=False, scale=4)
                start = gr.Button("Start review", elem_id="review-start", scale=1)
            review_chat = gr.Chatbot(elem_id="review-chat", label="Review: answer in your own words", height=460,
                                     sanitize_html=True, latex_delimiters=[])
            reply = gr.Textbox(elem_id="review-input", placeholder="Your answer (empty = I don't know)", show_label=False,
                               submit_btn=True)
            progress_view = gr.HTML(elem_id="review-progress")
            current = gr.State(None)
            start.click(review_start, [section], [review_chat, current, progress_view], api_name="review_start")
            section.submit(review_start, [section], [review_chat, current, progress_view], api_name=False)
            reply.submit(review_answer, [reply, review_chat, current, section], [reply, review_chat, current, progress_view],
                         api_name="review_answer")
            review_tab.select(lambda: _progress_html(study), None, progress_view, api_name=False)
        with gr.Tab("Notes") as notes_tab:
            types = sorted(SUPPORTED)
            uploads = gr.File(label="Add notes: drop Markdown, text, PDF, slides, Word, EPUB, web pages, notebooks or images here",
                              file_count="multiple",
                              file_types=types, elem_id="upload")
            replace = gr.Checkbox(label="Replace existing files with the same name", value=False, elem_id="replace")
            add = gr.Button("Add to notes and index", variant="primary", elem_id="add-notes")
            status = gr.HTML(elem_id="upload-status")
            ingest_status = gr.HTML(elem_id="ingest-status")
            table = gr.HTML(elem_id="notes-table")
            ticker = gr.Timer(1.0, active=False)
            notes_tab.select(lambda: (ingest_status_html(study.status), _notes_html(study)), None, [ingest_status, table],
                             api_name=False)
            add.click(add_notes, [uploads, replace], [status, table, uploads, ticker], api_name="upload")
            ticker.tick(poll_ingest, None, [ingest_status, table, ticker], api_name=False)
        demo.load(lambda: (ingest_status_html(study.status), _notes_html(study)), None, [ingest_status, table], api_name=False)
    # Retrieval is read-only and thread-safe: let several questions run at once.
    demo.queue(default_concurrency_limit=8)
    return demo
