"""The Ask tab: the sources panel (which notes a question searches), the chat (suggested questions while it is
empty), and the source viewer a citation chip opens beside it (over it on a phone)."""
from __future__ import annotations

from .render import answer_html, esc
from .ui_sources import ask_within, chosen, source_choices, unreadable_html
from .ui_suggest import index_summary, suggestions
from .ui_viewer import VIEWER_JS, parse_href, viewer_html

NOTHING_TICKED = "No notes are ticked under Sources: tick the files this question should search."


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

    def respond(message: str, history: list, ticked: list[str] | None = None, known: list[str] | None = None):
        """``ticked``: the files ticked in the panel; ``known``: the files the panel lists (None until the page has
        filled it in: then every file is searched)."""
        history = list(history or [])
        message = (message or "").strip()
        if not message:
            return "", history
        searcher = study.searcher()
        sources = chosen(ticked if known is not None else None, searcher.index.files)
        if sources == set():
            reply = f"<p>{esc(NOTHING_TICKED)}</p>"
        else:
            answer = ask_within(study, message, sources, previous=previous_questions(history))
            searcher = study.searcher()
            reply = answer_html(answer, searcher.index.files, searcher.chunks)
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": reply}]
        return "", history

    def suggested(history: list, ticked: list[str] | None, known: list[str] | None, evt: gr.SelectData):
        return respond(str((evt.value or {}).get("text", "")), history, ticked, known)

    suggested.__annotations__["evt"] = gr.SelectData  # a real class: this module's annotations are strings

    def panel(ticked: list[str] | None, known: list[str] | None):
        """The panel as the live index has it: files ticked as before, a file new to this page ticked."""
        searcher = study.searcher()
        files = searcher.index.files
        choices = source_choices(files)
        everything = [s for _, s in choices]
        if known is None or ticked is None:
            update = gr.update(choices=choices, value=everything)
        elif known == everything:
            update = gr.skip()  # the same files: the ticks stay as the student left them
        else:
            update = gr.update(choices=choices, value=[s for s in everything if s in set(ticked) or s not in set(known)])
        line = index_summary(files, len(searcher.chunks), searcher.index.manifest.created)
        return f'<p class="index-summary" role="status">{esc(line)}</p>', update, unreadable_html(files), everything

    def empty_chat(ticked, known):
        examples = [{"text": q} for q in suggestions(study.searcher().chunks)]
        return (*panel(ticked, known), gr.update(examples=examples))

    def open_citation(href: str) -> str:
        """The viewer's contents for a chip's address (a server function the page calls)."""
        searcher = study.searcher()
        return viewer_html(parse_href(str(href or "")), searcher.index.files, searcher.chunks)

    with gr.Tab("Ask") as tab:
        summary = gr.HTML(elem_id="index-summary", js_on_load=None)
        with gr.Row(elem_id="ask-row", equal_height=False):
            with gr.Column(scale=1, min_width=200, elem_id="sources-col"):
                sources = gr.CheckboxGroup(label="Sources: questions search the ticked notes", elem_id="sources",
                                           choices=[], value=[])
                unreadable = gr.HTML(elem_id="unreadable", js_on_load=None)
                known = gr.State(None)
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
                        elem_id="viewer", js_on_load=VIEWER_JS, server_functions=[open_citation])
    box.submit(respond, [box, chatbot, sources, known], [box, chatbot], api_name="chat")
    chatbot.example_select(suggested, [chatbot, sources, known], [box, chatbot], api_name=False)
    # Cleared in the browser: a round trip could land after the next answer and wipe it.
    clear.click(None, None, [box, chatbot], js="() => ['', []]", api_name=False)
    tab.select(panel, [sources, known], [summary, sources, unreadable, known], api_name=False)
    demo.load(empty_chat, [sources, known], [summary, sources, unreadable, known, chatbot], api_name=False)
    return tab
