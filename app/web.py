"""The Gradio web UI: Ask (chat with cited answers), Search by concept, Notes."""
from __future__ import annotations

import os
from pathlib import Path

from .render import answer_html, esc, search_html
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


def ingest_status_html(study: Study) -> str:
    """While an ingest runs: how far; after: its summary, or why it could not run (the old index still answers)."""
    st = study.status
    if st.running:
        stage = {"read": "Reading notes", "embed": "Embedding"}.get(st.stage, "Indexing")
        share = f" {st.done}/{st.total}" if st.total else ""
        return f'<p class="ingest-running">{esc(stage)}{share}… answers use the previous index until this ends.</p>'
    if st.error:
        return f'<p class="ingest-error"><b>Indexing could not run:</b> {esc(st.error)} Answers come from the last complete index.</p>'
    if st.summary:
        failed = "".join(f"<li>failed <b>{esc(f['path'])}</b>: {esc(f['error'])}</li>" for f in st.failed or [])
        return f"<p>Last indexing: {esc(st.summary)}</p>" + (f"<ul>{failed}</ul>" if failed else "")
    return ""


def notes_table(study: Study) -> str:
    searcher = study.searcher()
    files = searcher.index.files
    rows = []
    import time

    for source, info in sorted(files.items()):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.get("indexed_at", 0)))
        status = esc(info["error"]) if info.get("error") else "; ".join(esc(w) for w in info.get("warnings", [])) or "ok"
        rows.append(f"<tr><td>{esc(source)}</td><td>{info.get('passages', 0)}</td><td>{when}</td><td>{status}</td></tr>")
    return ("<table><thead><tr><th>file</th><th>passages</th><th>indexed</th><th>status</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            + f"<p>{len(searcher.chunks)} passages, model <code>{esc(searcher.index.manifest.model)}</code>.</p>")


_sessions: dict = {}


def review_session(study: Study, section: str | None):
    """One ReviewSession per (index version, section): cards are cut once per index."""
    from .review import ReviewSession

    key = (str(study.searcher().index.folder), (section or "").strip())
    if key not in _sessions:
        _sessions[key] = ReviewSession(study, section=key[1] or None)
    return _sessions[key]


def card_html(card) -> str:
    return (f'<p class="card-q"><small>{esc(card.kind)} · {esc(card.section())}</small><br>'
            f"<b>{esc(card.question)}</b></p>")


def feedback_html(feedback, files: dict) -> str:
    from .render import context_block
    from .review import when

    card, g = feedback.card, feedback.grade
    icon = {1: "✗", 2: "~", 3: "✓", 4: "✓"}[g.rating]
    heading = f" — {card.heading}" if card.heading else ""
    context = context_block(card.source, card.start_line, card.end_line, card.answer, files, around=2, highlight=card.answer)
    return (f'<p class="grade grade-{esc(g.name)}"><b>{icon} {esc(g.name)}</b>: {esc(g.reason)}. '
            f"Answer: <b>{esc(card.answer)}</b> · next review {esc(when(feedback.due))}</p>"
            f'<details class="cite" open><summary>{esc(card.citation + heading)}</summary>{context}</details>')


def review_progress_html(study: Study) -> str:
    from .review import ReviewStore, ReviewStoreError

    try:
        store = ReviewStore(study.home / "review.sqlite")
        stats = store.stats()
    except ReviewStoreError as e:
        return f'<p class="review-error"><b>Review progress is unavailable:</b> {esc(str(e))}</p>'
    notice = f'<p class="review-warning"><b>Note:</b> {esc(store.recovered)}</p>' if store.recovered else ""
    def retention(value) -> str:
        return "–" if value is None else f"{value:.0%}"

    rows = "".join(f"<tr><td>{esc(s['section'])}</td><td>{s['cards']}</td><td>{s['reviews']}</td><td>{retention(s['retention'])}</td></tr>"
                   for s in stats["sections"])
    return notice + (f"<p><b>Due today:</b> {stats['due_today']} · <b>new:</b> {stats['new']} · <b>reviews done:</b> {stats['reviewed']}</p>"
            "<table><thead><tr><th>section</th><th>cards</th><th>reviews</th><th>retention</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def build_ui(study: Study):
    # Set before gradio is imported: analytics would otherwise call outside hosts.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    def respond(message: str, history: list):
        history = list(history or [])
        message = (message or "").strip()
        if not message:
            return "", history
        answer = study.ask(message, previous=previous_questions(history))
        reply = answer_html(answer, study.searcher().index.files)
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": reply}]
        return "", history

    def add_notes(files, replace: bool):
        from gradio.utils import get_upload_folder

        from .uploads import save_uploads

        pairs = [(Path(f), Path(f).name) for f in files or []]
        if not pairs:
            return "<p>Choose or drop files first.</p>", notes_table(study), None, gr.Timer(active=False)
        saved, rejected = save_uploads(pairs, study.notes, replace=bool(replace), allowed_from=Path(get_upload_folder()),
                                       max_bytes=study.max_note_bytes)
        lines = [f"<li>rejected <b>{esc(name)}</b>: {esc(why)}</li>" for name, why in rejected]
        if saved:
            # Answer at once; the index follows in the background and the status line below shows how far.
            study.ingest_in_background()
            lines.insert(0, f"<li>saved {', '.join(esc(n) for n in saved)}; indexing…</li>")
        return "<ul>" + "".join(lines) + "</ul>", notes_table(study), None, gr.Timer(active=bool(saved))

    def poll_ingest():
        running = study.status.running
        return ingest_status_html(study), notes_table(study), gr.Timer(active=running)

    def review_start(section_text: str):
        from .review import ReviewStoreError

        try:
            session = review_session(study, section_text)
        except ReviewStoreError as e:
            return [{"role": "assistant", "content": f"<p>{esc(str(e))}</p>"}], None, review_progress_html(study)
        card = session.next()
        message = card_html(card) if card else "<p>Nothing due here. Come back later, or pick another section.</p>"
        return [{"role": "assistant", "content": message}], (card.to_json() if card else None), review_progress_html(study)

    def review_answer(reply_text: str, history: list, card_json, section_text: str):
        from .cards import Card

        history = list(history or [])
        if not card_json:
            return "", history, None, review_progress_html(study)
        from .review import ReviewStoreError

        try:
            session = review_session(study, section_text)
            card = Card(**card_json)
            feedback = session.answer(card, reply_text or "")
        except ReviewStoreError as e:
            history.append({"role": "assistant", "content": f"<p>Your answer could not be saved: {esc(str(e))}</p>"})
            return "", history, card_json, review_progress_html(study)
        history.append({"role": "user", "content": esc(reply_text) if reply_text.strip() else "<i>(no answer)</i>"})
        history.append({"role": "assistant", "content": feedback_html(feedback, study.searcher().index.files)})
        nxt = session.next()
        history.append({"role": "assistant", "content": card_html(nxt) if nxt else "<p>That's all for now: nothing else is due.</p>"})
        return "", history, (nxt.to_json() if nxt else None), review_progress_html(study)

    def do_search(term: str) -> str:
        term = (term or "").strip()
        if not term:
            return "<p>Type a concept or an exact term.</p>"
        return search_html(study.search(term, k=10), study.searcher().index.files)

    with gr.Blocks(title="study", analytics_enabled=False) as demo:
        gr.Markdown("## study: ask your notes")
        with gr.Tab("Ask"):
            chatbot = gr.Chatbot(elem_id="chatbot", label="Answers cite your notes; open a citation to see it in context",
                                 height=560, sanitize_html=True, buttons=["copy"], latex_delimiters=[])
            box = gr.Textbox(elem_id="chat-input", placeholder="Ask a question about your notes, e.g. When should I use long polling?",
                             show_label=False, submit_btn=True)
            clear = gr.Button("New conversation", size="sm")
            box.submit(respond, [box, chatbot], [box, chatbot], api_name="chat")
            clear.click(lambda: ("", []), None, [box, chatbot], api_name=False)
        with gr.Tab("Search by concept"):
            term = gr.Textbox(elem_id="search-input", placeholder="A concept or exact term: decoupling, hot partition, SSE-C",
                              show_label=False, submit_btn=True)
            results = gr.HTML(elem_id="search-results")
            term.submit(do_search, term, results, api_name="search")
        with gr.Tab("Review") as review_tab:
            with gr.Row():
                section = gr.Textbox(elem_id="review-section", placeholder="Restrict to a section, e.g. Lambda (empty: all)",
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
            review_tab.select(lambda: review_progress_html(study), None, progress_view, api_name=False)
        with gr.Tab("Notes") as notes_tab:
            from ingest import SUPPORTED

            uploads = gr.File(label="Add notes: drop .md, .txt or .pdf files here", file_count="multiple",
                              file_types=sorted(SUPPORTED), elem_id="upload")
            replace = gr.Checkbox(label="Replace existing files with the same name", value=False, elem_id="replace")
            add = gr.Button("Add to notes and index", variant="primary", elem_id="add-notes")
            status = gr.HTML(elem_id="upload-status")
            ingest_status = gr.HTML(elem_id="ingest-status")
            table = gr.HTML(elem_id="notes-table")
            ticker = gr.Timer(1.0, active=False)
            notes_tab.select(lambda: (ingest_status_html(study), notes_table(study)), None, [ingest_status, table], api_name=False)
            add.click(add_notes, [uploads, replace], [status, table, uploads, ticker], api_name="upload")
            ticker.tick(poll_ingest, None, [ingest_status, table, ticker], api_name=False)
        demo.load(lambda: (ingest_status_html(study), notes_table(study)), None, [ingest_status, table], api_name=False)
    # Retrieval is read-only and thread-safe: let several questions run at once.
    demo.queue(default_concurrency_limit=8)
    return demo
