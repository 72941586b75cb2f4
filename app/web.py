"""The Gradio web page: Ask (app.ui_ask), Search by concept, Review (app.review.web_tab), Notes (app.ui_notes).

The page only: what each tab does when used. The HTML comes from app.render and the app.ui_* modules; the server
around the page (JSON API, guard, launch) is app.server. Per-browser state lives in the page's own components (the
chat history, the ticked sources, the current card); review sessions belong to this page's instance, not to the
module.
"""
from __future__ import annotations

import os

from .service import Study
from .ui_ask import build_ask_tab, previous_questions
from .ui_notes import build_notes_tab
from .ui_search import MAX_RESULTS, results_html
from .ui_style import CSS, PAGE_JS, page_theme

__all__ = ["CSS", "build_ui", "page_theme", "previous_questions"]  # CSS and the theme: app.server hands them on


def build_ui(study: Study):
    # Set before gradio is imported: analytics would otherwise call outside hosts.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    from .review.session import Sessions
    from .review.web_tab import build_review_tab

    sessions = Sessions(study)

    def do_search(term: str) -> str:
        term = (term or "").strip()
        if not term:
            return "<p>Type a concept or an exact term.</p>"
        searcher = study.searcher()
        # a few more than are shown: wordless and weak ones are dropped before the cut at MAX_RESULTS
        return results_html(term, study.search(term, k=MAX_RESULTS + 5), searcher.index.files, searcher.chunks)

    with gr.Blocks(title="study", analytics_enabled=False) as demo:
        gr.HTML('<h1 class="title">study: ask your notes</h1>', elem_id="title", js_on_load=None)
        gr.HTML("", elem_id="page-js", js_on_load=PAGE_JS)
        build_ask_tab(gr, study, demo)
        with gr.Tab("Search by concept"):
            term = gr.Textbox(elem_id="search-input", placeholder="A concept, or an exact term as your notes write it",
                              show_label=False, submit_btn=True, label="Search term")
            results = gr.HTML(elem_id="search-results", js_on_load=None)
            term.submit(do_search, term, results, api_name="search")
        build_review_tab(gr, study, sessions)
        build_notes_tab(gr, study, demo)
    # Retrieval is read-only and thread-safe: let several questions run at once.
    demo.queue(default_concurrency_limit=8)
    return demo
