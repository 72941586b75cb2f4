"""The Gradio web UI: Ask (chat with cited answers), Search by concept, Notes."""
from __future__ import annotations

import os

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
        with gr.Tab("Notes") as notes_tab:
            table = gr.HTML(elem_id="notes-table")
            notes_tab.select(lambda: notes_table(study), None, table, api_name=False)
        demo.load(lambda: notes_table(study), None, table, api_name=False)
    # Retrieval is read-only and thread-safe: let several questions run at once.
    demo.queue(default_concurrency_limit=8)
    return demo


def launch(study: Study, host: str = "127.0.0.1", port: int = 7860) -> None:
    demo = build_ui(study)
    print(f"study is serving on http://{host}:{port} (Ctrl+C to stop)", flush=True)
    demo.launch(server_name=host, server_port=port, share=False, css=CSS, show_error=True, quiet=True)
