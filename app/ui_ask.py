"""The Ask tab: the sources panel (which notes or folders a question searches, adding and removing notes), the chat
(suggested questions while it is empty), and the source viewer a citation chip opens beside it (over it on a phone)."""
from __future__ import annotations

from .render import answer_html, esc
from .ui_notes import add_uploads, ingest_status_html, remove_note
from .ui_sources import PANEL_JS, SEND_TICKS, ask_within, panel_html, picked, unreadable_html
from .ui_suggest import index_summary, suggestions
from .ui_viewer import CHIP_JS, VIEWER_JS, parse_href, viewer_html

NOTHING_TICKED = "No notes are ticked under Sources: tick the notes or folders this question should search."


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


def build_ask_tab(gr, study, demo):
    """The Ask tab (opened here, inside the caller's gr.Blocks ``demo``); returns the gr.Tab."""
    from ingest import SUPPORTED

    workers: list = []  # ingests started from the panel: it is refreshed until they have ended

    def respond(message: str, history: list, ticks=None):
        """``ticks``: what the panel sends (app.ui_sources.picked); nothing readable searches every file."""
        history = list(history or [])
        message = (message or "").strip()
        if not message:
            return "", history
        searcher = study.searcher()
        sources = picked(ticks, searcher.index.files)
        if sources == set():
            reply = f"<p>{esc(NOTHING_TICKED)}</p>"
        else:
            answer = ask_within(study, message, sources, previous=previous_questions(history))
            searcher = study.searcher()
            reply = answer_html(answer, searcher.index.files, searcher.chunks)
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": reply}]
        return "", history

    def suggested(history: list, ticks, evt: gr.SelectData):
        return respond(str((evt.value or {}).get("text", "")), history, ticks)

    suggested.__annotations__["evt"] = gr.SelectData  # a real class: this module's annotations are strings

    def indexing() -> bool:
        workers[:] = [w for w in workers if w.is_alive()]
        return bool(workers) or study.status.running

    def panel():
        """The summary line, the panel's list and the unreadable files, as the live index has them."""
        searcher = study.searcher()
        files = searcher.index.files
        line = index_summary(files, len(searcher.chunks), searcher.index.manifest.created)
        return f'<p class="index-summary" role="status">{esc(line)}</p>', panel_html(files), unreadable_html(files)

    def empty_chat():
        examples = [{"text": q} for q in suggestions(study.searcher().chunks)]
        return (*panel(), gr.update(examples=examples))

    def follow(worker):
        """After an upload or a removal: keep the panel following the index while it is rebuilt."""
        if worker is not None:
            workers.append(worker)
        return ingest_status_html(study.status), gr.Timer(active=worker is not None)

    def add(files):
        said, worker = add_uploads(study, files)
        return (said, *follow(worker), *panel())

    def remove(evt: gr.EventData):
        source = (getattr(evt, "_data", None) or {}).get("source")
        if not source:
            return (gr.skip(),) * 6
        said, worker = remove_note(study, str(source))
        return (said, *follow(worker), *panel())

    remove.__annotations__["evt"] = gr.EventData  # a real class: this module's annotations are strings

    def poll():
        running = indexing()
        return (ingest_status_html(study.status), gr.Timer(active=running), *panel())

    def open_citation(href: str) -> str:
        """The viewer's contents for a chip's address (a server function the page calls)."""
        searcher = study.searcher()
        return viewer_html(parse_href(str(href or "")), searcher.index.files, searcher.chunks)

    with gr.Tab("Ask") as tab:
        summary = gr.HTML(elem_id="index-summary", js_on_load=None)
        with gr.Row(elem_id="ask-row", equal_height=False):
            with gr.Column(scale=1, min_width=200, elem_id="sources-col"):
                sources = gr.HTML("", elem_id="sources", js_on_load=PANEL_JS)
                unreadable = gr.HTML(elem_id="unreadable", js_on_load=None)
                upload = gr.UploadButton("Add notes…", file_count="multiple", file_types=sorted(SUPPORTED),
                                         elem_id="panel-upload", size="sm")
                said = gr.HTML(elem_id="panel-said", js_on_load=None)
                progress = gr.HTML(elem_id="panel-progress", js_on_load=None)
                ticker = gr.Timer(1.0, active=False)
            with gr.Column(scale=3, min_width=320, elem_id="chat-col"):
                # No floating label (it covered scrolled answers) and no autoscroll (it ran to the answer's end):
                # the page script brings the start of each new answer into view instead.
                chatbot = gr.Chatbot(elem_id="chatbot", label="Conversation", show_label=False, autoscroll=False,
                                     height=560, sanitize_html=True, buttons=["copy"], latex_delimiters=[])
                box = gr.Textbox(elem_id="chat-input", placeholder="Ask a question about your notes", show_label=False,
                                 submit_btn=True, label="Question")
                clear = gr.Button("New conversation", size="sm", elem_id="new-conversation")
            with gr.Column(scale=2, min_width=300, elem_id="viewer-col"):
                gr.HTML('<p class="viewer-idle">Click a citation chip such as [1] to see the passage here.</p>',
                        elem_id="viewer", js_on_load=VIEWER_JS + CHIP_JS, server_functions=[open_citation])
    listing = [summary, sources, unreadable]
    # The ticks are the page's: each question takes them from the panel as it is sent.
    box.submit(respond, [box, chatbot, sources], [box, chatbot], api_name="chat",
               js=f"(m, h, t) => [m, h, {SEND_TICKS}]")
    chatbot.example_select(suggested, [chatbot, sources], [box, chatbot], api_name=False,
                           js=f"(h, t) => [h, {SEND_TICKS}]")
    # Cleared in the browser: a round trip could land after the next answer and wipe it.
    clear.click(None, None, [box, chatbot], js="() => ['', []]", api_name=False)
    upload.upload(add, upload, [said, progress, ticker, *listing], api_name=False)
    sources.remove_note(remove, None, [said, progress, ticker, *listing], api_name=False)
    ticker.tick(poll, None, [progress, ticker, *listing], api_name=False)
    tab.select(panel, None, listing, api_name=False)
    demo.load(empty_chat, None, [*listing, chatbot], api_name=False)
    return tab
