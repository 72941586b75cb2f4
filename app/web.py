"""The Gradio web page: Ask (chat with cited answers), Search by concept, Review (app.review.web_tab), Notes.

The page only: what each tab does when used. The HTML comes from app.render; the server around the page
(JSON API, guard, launch) is app.server. Per-browser state lives in the page's own components (the chat
history, the current card); review sessions belong to this page's instance, not to the module.
"""
from __future__ import annotations

import os
from pathlib import Path

from ingest import SUPPORTED

from .render import answer_html, esc, ingest_status_html, notes_table, search_html
from .service import Study

CSS = """
.ctx-pre, .passage { white-space: pre-wrap; font-size: 0.85em; line-height: 1.35; }
.cite summary { cursor: pointer; font-weight: 600; }
mark { background: #fff3a3; color: inherit; }
.card-q { font-size: 1.1em; margin: 0.2em 0; }
.grade { margin: 0.4em 0; padding: 0.3em 0.6em; border-left: 5px solid #888; border-radius: 3px; }
.grade-red { border-color: #d22; background: rgba(221, 34, 34, 0.09); }
.grade-yellow { border-color: #d9a000; background: rgba(217, 160, 0, 0.12); }
.grade-green { border-color: #2a9d3a; background: rgba(42, 157, 58, 0.1); }
.review-counts, .review-note, .review-error, .reply, .answer { margin: 0.2em 0; }
.review-error { color: #c00; }
#review-ratings button { white-space: normal; }
#review-notice:has(.prose:empty) { display: none; }
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


def build_ui(study: Study):
    # Set before gradio is imported: analytics would otherwise call outside hosts.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    from .review.session import Sessions
    from .review.web_tab import build_review_tab

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
        build_review_tab(gr, study, sessions)
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
