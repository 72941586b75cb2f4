"""The Review tab of the web page, with Anki's habits: pick a section, answer (or show the answer), rate the card
1-4 with the interval each rating gives, suspend / flag / edit it, and watch progress (counts, plots).

Nothing is recorded until a rating is chosen: a typed reply is graded as a suggestion (pre-selected), one click
or key overrules it. The page's current card lives in a gr.State (server side, one per page); the sessions (one
per section) are the server's and shared by pages.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from ..render import (card_html, cited_html, esc, no_section_html, rated_html, rating_label, review_counts_html,
                      review_progress_html, verdict_html)
from .web_keys import KEYS_JS, PICK_JS

RATINGS = (1, 2, 3, 4)
IDLE = ('<p class="review-idle">Pick a section, or type part of any heading (empty: all sections), then '
        "<b>Start review</b>. Keys: Space shows the answer, 1-4 rate it.</p>")


@dataclass(frozen=True)
class Turn:
    """The card a page shows and what happened to it so far."""

    section: str  # the section text the review was started with ("" for all)
    card: dict  # Card.to_json()
    number: int  # its place in this sitting
    reply: str = ""
    grade: dict | None = None  # the suggested Grade's fields, once a reply was graded
    intervals: dict | None = None  # once answered or shown: rating -> "in 2 days"


def section_choices(sections: list[tuple[str, int]], askable: int) -> list[tuple[str, str]]:
    """The section picker's entries, (label, value): all sections first, then each with its card count."""

    def cards(n: int) -> str:
        return f"{n} card{'s' if n != 1 else ''}"

    return [(f"All sections · {cards(askable)}", "")] + [(f"{name} · {cards(n)}", name) for name, n in sections]


# A plot drawn first with no data keeps the room it left for its axis labels when data comes: the retention plot's
# section names, turned steeply, then ran out of its box (a fresh page drew them right). A resize makes every plot
# lay itself out again, once the update has been drawn.
RELAYOUT_JS = "() => { setTimeout(() => window.dispatchEvent(new Event('resize')), 100); }"


def done_html(finished, section_text: str = "") -> str:
    """The end of a sitting (a session.Finished): how many cards were rated, when the next one is due, and whether
    other sections have cards now."""
    def cards(n: int) -> str:
        return f"{n} card{'s' if n != 1 else ''}"

    where = f" in sections matching “{esc(section_text)}”" if section_text else ""
    if finished.reviewed:
        said = [f"<b>Session done</b>: {cards(finished.reviewed)} reviewed{where}."]
    else:
        said = [f"<b>Nothing is due{where} right now.</b>"]
    said.append(f"The next card is due {esc(finished.next_in)}." if finished.next_in else "No card is scheduled yet.")
    if finished.elsewhere:
        said.append(f"{cards(finished.elsewhere)} can be reviewed now in other sections: pick another section.")
    return f'<p class="review-done">{" ".join(said)}</p>'


def build_review_tab(gr, study, sessions):
    """The Review tab (opened here, inside the caller's gr.Blocks); returns the gr.Tab."""
    from .cards import Card
    from .grading import Grade
    from .plots import build_plots, plot_limits, plot_values
    from .session import Feedback
    from .store import ReviewStoreError

    with gr.Tab("Review") as tab:
        counts = gr.HTML(elem_id="review-counts", js_on_load=None)
        with gr.Row(equal_height=True):
            section = gr.Dropdown(choices=[], value="", allow_custom_value=True, filterable=True, show_label=False,
                                  label="Section", elem_id="review-section", scale=4, container=False)
            start = gr.Button("Start review", elem_id="review-start", scale=1, min_width=110)
        notice = gr.HTML(elem_id="review-notice", js_on_load=None)
        panel = gr.HTML(IDLE, elem_id="review-card", js_on_load=KEYS_JS)
        with gr.Row(equal_height=True) as answer_row:
            reply = gr.Textbox(elem_id="review-input", placeholder="Your answer, then Enter (Enter alone shows the answer)",
                               show_label=False, submit_btn=True, scale=4)
            show = gr.Button("Show answer", elem_id="review-show", scale=1, min_width=110)
        with gr.Row(visible=False, elem_id="review-end") as end_row:  # once a sitting has no card left
            again = gr.Button("Start again", variant="primary", elem_id="review-again", min_width=150)
            pick = gr.Button("Pick another section", elem_id="review-pick", min_width=150)
        with gr.Row(visible=False, elem_id="review-ratings") as rate_row:
            rate = [gr.Button(rating_label(r, ""), elem_id=f"rate-{r}", min_width=150) for r in RATINGS]
        with gr.Row(visible=False, elem_id="review-tools") as tools:
            suspend = gr.Button("Suspend", elem_id="review-suspend", size="sm", min_width=80)
            flag = gr.Button("Flag", elem_id="review-flag", size="sm", min_width=80)
            edit = gr.Button("Edit", elem_id="review-edit", size="sm", min_width=80)
        with gr.Column(visible=False, elem_id="review-editor") as editor:
            new_question = gr.Textbox(label="Question", elem_id="edit-question", lines=2)
            new_answer = gr.Textbox(label="Answer", elem_id="edit-answer")
            with gr.Row():
                save = gr.Button("Save", variant="primary", elem_id="edit-save", size="sm")
                cancel = gr.Button("Cancel", elem_id="edit-cancel", size="sm")
        cited = gr.HTML(elem_id="review-cited", js_on_load=None)
        gr.Markdown("## Progress")
        per_day, forecast, retention = build_plots(gr)
        progress = gr.HTML(elem_id="review-progress", js_on_load=None)
        with gr.Row(equal_height=False):
            # the deck as `study cards --anki` writes it; a second import updates the notes already in Anki
            anki = gr.Button("Export to Anki (.apkg)", elem_id="review-anki", size="sm", variant="secondary", scale=0,
                             min_width=200)
            anki_file = gr.File(label="Anki deck: download, then File > Import in Anki", visible=False,
                                interactive=False, elem_id="review-anki-file", scale=1)
        turn_state = gr.State(None)

    card_parts = [panel, answer_row, end_row, rate_row, *rate, tools, flag, editor, cited, turn_state]
    plots = [per_day, forecast, retention]
    progress_parts = [counts, *plots, progress]
    everything = [notice, reply, section, new_question, new_answer, *card_parts, *progress_parts]

    def progress_of(store, choices: bool = False) -> dict:
        stats = store.stats()
        out = {counts: review_counts_html(stats), progress: review_progress_html(stats, store.recovered),
               **{plot: gr.update(**props) for plot, props in zip(plots, plot_values(store, stats))}}
        if choices:
            out[section] = gr.update(choices=section_choices(store.sections(), stats["cards"] - stats["suspended"]))
        return out

    def view(turn: Turn | None, idle: str = IDLE, done: bool = False) -> dict:
        """Everything about the current card: its question, and once answered the verdict, ratings and cited lines.
        With no card: the idle text, where a reply typed before Start starts the review; or, ``done``, the end of a
        sitting, where only starting again or picking another section does anything."""
        if turn is None:
            return {panel: idle, answer_row: gr.update(visible=not done), end_row: gr.update(visible=done),
                    rate_row: gr.update(visible=False), tools: gr.update(visible=False),
                    editor: gr.update(visible=False), cited: "", turn_state: None}
        card = Card(**turn.card)
        store = sessions.get(turn.section).store
        out = {turn_state: turn, tools: gr.update(visible=True), editor: gr.update(visible=False),
               end_row: gr.update(visible=False), flag: gr.update(value="Unflag" if store.note(card).flagged else "Flag")}
        if turn.intervals is None:
            return {**out, panel: card_html(card, turn.number), answer_row: gr.update(visible=True),
                    rate_row: gr.update(visible=False), cited: ""}
        feedback = Feedback(card, turn.reply, Grade(**turn.grade) if turn.grade else None, intervals=turn.intervals)
        chosen = feedback.preselected
        searcher = study.searcher()
        out.update({panel: card_html(card, turn.number) + verdict_html(feedback), answer_row: gr.update(visible=False),
                    rate_row: gr.update(visible=True), cited: cited_html(card, searcher.index.files, searcher.chunks)})
        for r, button in zip(RATINGS, rate):
            out[button] = gr.update(value=rating_label(r, turn.intervals[r]), variant="primary" if r == chosen else "secondary")
        return out

    def next_card(section_text: str, number: int, said: str = "") -> dict:
        session = sessions.get(section_text)
        card = session.next()
        if card is None:  # `number` is the place the next card would have had: number - 1 were rated
            ended = done_html(session.finished(number - 1), section_text)
            return {**view(None, ended, done=True), notice: said, **progress_of(session.store)}
        return {**view(Turn(section_text, card.to_json(), number)), notice: said, reply: "", **progress_of(session.store)}

    def unchanged() -> dict:
        return {notice: gr.skip()}  # (an empty dict is not read as "no updates")

    def guarded(fn):
        """Trouble with review.sqlite (or a refused edit) is one line above the card; the card stays as it was."""

        @functools.wraps(fn)
        def run(*args):
            try:
                return fn(*args)
            except (ReviewStoreError, ValueError) as e:
                return {notice: f'<p class="review-error">{esc(str(e))}</p>'}

        return run

    @guarded
    def begin(section_text: str, said: str = "") -> dict:
        text = (section_text or "").strip()
        store = sessions.get("").store
        if text and not store.matching_sections(text):
            return {**view(None), notice: no_section_html(text, [name for name, _ in store.sections()])}
        return next_card(text, 1, said)

    @guarded
    def opened() -> dict:
        """On tab select: the cards synced (a session cuts them), so the counts are true before Start."""
        return progress_of(sessions.get("").store, choices=True)

    @guarded
    def answer(text: str, turn: Turn | None, section_text: str) -> dict:
        if turn is None:  # typed before Start: start, and keep what was typed for the first card
            started = begin(section_text, '<p class="review-note">Review started: your reply is still in the box; '
                                          "press Enter to send it for this card.</p>")
            return {**started, reply: text}
        if turn.intervals is not None:
            return unchanged()
        session, card = sessions.get(turn.section), Card(**turn.card)
        if not (text or "").strip():
            feedback = session.reveal(card)
            return {**view(replace(turn, intervals=feedback.intervals)), notice: ""}
        feedback = session.answer(card, text, record=False)
        g = feedback.grade
        graded = replace(turn, reply=text, grade={"rating": g.rating, "score": g.score, "reason": g.reason},
                         intervals=feedback.intervals)
        return {**view(graded), notice: ""}

    @guarded
    def reveal(turn: Turn | None, section_text: str) -> dict:
        if turn is None:
            return begin(section_text)
        return answer("", turn, section_text)

    def rater(rating: int):
        @guarded
        def chosen(turn: Turn | None) -> dict:
            if turn is None or turn.intervals is None:  # a late second click: that card is rated already
                return unchanged()
            session = sessions.get(turn.section)
            done = session.rate(Card(**turn.card), rating, turn.reply, suggested=Grade(**turn.grade) if turn.grade else None)
            return next_card(turn.section, turn.number + 1, rated_html(rating, done.intervals[rating]))

        return chosen

    @guarded
    def set_aside(turn: Turn | None) -> dict:
        if turn is None:
            return unchanged()
        card = Card(**turn.card)
        store = sessions.get(turn.section).store
        store.suspend(card)
        said = (f'<p class="review-note">Suspended “{esc(card.question)}”: it will not be asked again '
                f"(<code>study review --unsuspend {esc(card.id)}</code> brings it back).</p>")
        return {**next_card(turn.section, turn.number, said), **progress_of(store, choices=True)}

    @guarded
    def toggle_flag(turn: Turn | None) -> dict:
        if turn is None:
            return unchanged()
        store = sessions.get(turn.section).store
        flagged = not store.note(turn.card["id"]).flagged
        (store.flag if flagged else store.unflag)(turn.card["id"])
        said = "Flagged for a look later; rate it as usual." if flagged else "Flag removed."
        return {**view(turn), notice: f'<p class="review-note">{said}</p>', **progress_of(store)}

    def open_editor(turn: Turn | None) -> dict:
        if turn is None:
            return unchanged()
        return {editor: gr.update(visible=True), new_question: turn.card["question"], new_answer: turn.card["answer"]}

    @guarded
    def save_edit(question: str, answer_text: str, turn: Turn | None) -> dict:
        if turn is None:
            return unchanged()
        edited = sessions.get(turn.section).store.edit(turn.card["id"], question, answer_text)
        return {**view(replace(turn, card=edited.to_json())), notice: '<p class="review-note">Saved your wording.</p>'}

    def limits() -> list:
        try:
            return [gr.update(**props) for props in plot_limits(sessions.get("").store)]
        except ReviewStoreError:  # the event before has said so above the card
            return [gr.skip()] * len(plots)

    def listen(trigger, fn, inputs, **options):
        """Every event that may change the progress: then the plots' axes (plot_limits says why apart). Outside the
        queue: queued, it overlapped the student's next click, and now and then the page never finished applying
        that click's update (the card stuck, its timer running; seen in about one sitting in two)."""
        trigger(fn, inputs, everything, **options).then(limits, None, plots, api_name=False, show_progress="hidden",
                                                        queue=False).then(None, None, None, js=RELAYOUT_JS)

    # One card at a time per page, whatever is clicked or pressed: writes wait for each other (and a second click
    # on a rating finds that card rated already).
    once = {"concurrency_limit": 1, "concurrency_id": "review-write", "api_name": False}
    listen(start.click, begin, [section], **once)
    listen(again.click, begin, [section], **once)
    listen(reply.submit, answer, [reply, turn_state, section], **once)
    listen(show.click, reveal, [turn_state, section], **once)
    for r, button in zip(RATINGS, rate):
        listen(button.click, rater(r), [turn_state], **once)
    listen(suspend.click, set_aside, [turn_state], **once)
    listen(flag.click, toggle_flag, [turn_state], **once)
    listen(save.click, save_edit, [new_question, new_answer, turn_state], **once)
    listen(tab.select, opened, None, api_name=False)
    edit.click(open_editor, [turn_state], everything, api_name=False)
    cancel.click(lambda: {editor: gr.update(visible=False)}, None, everything, api_name=False)
    pick.click(None, None, None, js=PICK_JS)

    def deck():
        from .export import student_deck

        folder = study.home / "exports"  # written over each time; Gradio serves its own copy of the file
        folder.mkdir(parents=True, exist_ok=True)
        return gr.update(value=str(student_deck(study, folder)), visible=True)

    anki.click(deck, None, anki_file, api_name=False, concurrency_limit=1, concurrency_id="review-write")
    return tab
