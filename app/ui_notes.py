"""The Notes tab: add notes (refused before anything is written), see each file once with its passages and status,
remove a file (after a confirmation on the page), and watch the index follow.

Each problem is said once, where it belongs: a refused upload in this upload's result (replaced by the next
upload's), a file that could not be indexed in its own row of the table, with a Remove action beside it.
"""
from __future__ import annotations

import time
from pathlib import Path

from .render import esc
from .ui_remove import confirm_html, confirm_js

# On the page: a row's Remove asks first (in the row, Yes / Cancel); only Yes reaches the server.
TABLE_JS = confirm_js("tr", "trigger('click', {remove: row.dataset.source})")


def ingest_status_html(status) -> str:
    """While an ingest runs: how far; after: its one-line summary, or why it could not run (the old index still
    answers). Files that failed are not listed here: their rows in the table say so, once."""
    if status.running:
        stage = {"read": "Reading notes", "embed": "Embedding"}.get(status.stage, "Indexing")
        share = f" {status.done}/{status.total}" if status.total else ""
        share += f" ({status.file})" if status.stage == "read" and status.file else ""
        return (f'<p class="ingest-running" role="status">{esc(stage)}{share}… answers cover what is indexed so '
                "far.</p>")
    if status.error:
        return (f'<p class="ingest-error" role="alert"><b>Indexing could not run:</b> {esc(status.error)} '
                "Answers come from the last complete index.</p>")
    if status.summary:
        return f'<p role="status">Last indexing: {esc(status.summary)}</p>'
    return ""


def _remove_cell(source: str, name: str) -> str:
    return (f'<td class="actions"><button type="button" class="remove" data-action="ask" '
            f'aria-label="Remove {esc(source)}">Remove</button>'
            f'{confirm_html(name)}</td>')


# What to do about a file that does not read: every ingest reads a failed file again.
FIX_HINT = "Fix or replace the file (it is read again at the next indexing), or remove it."


def _stamp(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else "–"


def _sentence(text: str) -> str:
    return esc(text if text.endswith((".", "!", "?")) else text + ".")


def file_cells(info: dict) -> tuple[str, str]:
    """A file's "indexed" and "status" cells (HTML). A file that never indexed has no index time (its record's time
    is that of the failed attempt); a file kept from its last good version shows that version's time."""
    if info.get("error"):
        return "never", (f'<span class="status-failed">not indexed: {_sentence(info["error"])}</span> '
                         f'<span class="status-todo">{FIX_HINT}</span>')
    when = _stamp(info.get("indexed_at", 0))
    if info.get("kept"):  # no longer reads; its last good version is what answers cite
        return when, (f'<span class="status-failed">shows the last good version (indexed {when}); the file no longer '
                      f'reads: {_sentence(info["kept"])}</span> <span class="status-todo">{FIX_HINT}</span>')
    if isinstance(info.get("partial"), dict):  # a step of an ingest under way (or stopped) holds part of it
        return when, f'indexing: {info["partial"]["done"]} of {info["partial"]["total"]} passages'
    return when, "; ".join(esc(w) for w in info.get("warnings", [])) or "ok"


def _row(source: str, passages: int, indexed: str, status: str) -> str:
    return (f'<tr data-source="{esc(source)}"><td class="file">{esc(source)}</td>'
            f'<td data-label="passages">{passages}</td><td data-label="indexed">{indexed}</td>'
            f"<td>{status}</td>{_remove_cell(source, Path(source).name)}</tr>")


def notes_table(files: dict[str, dict], passages: int, model: str, skipped: list[dict] | None = None) -> str:
    """Every file in the notes once: its passages, when it was indexed, its status (a failure's reason and what to
    do, a warning, or ok), and a Remove action."""
    rows = []
    listed = set()
    for source, info in sorted(files.items()):
        listed.add(source)
        rows.append(_row(source, info.get("passages", 0), *file_cells(info)))
    for item in skipped or []:
        if item["path"] in listed:
            continue
        listed.add(item["path"])
        rows.append(_row(item["path"], 0, "never", f'<span class="status-failed">not read: {esc(item["reason"])}</span>'))
    return ('<div class="table-wrap"><table class="notes"><caption>Your notes</caption><thead><tr><th scope="col">file</th>'
            '<th scope="col">passages</th><th scope="col">indexed</th><th scope="col">status</th>'
            '<th scope="col"><span class="sr-only">actions</span></th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>"
            + f'<p class="notes-total">{passages} passages, model <code>{esc(model)}</code>.</p>')


class RemoveRefused(ValueError):
    """A removal that must not happen (outside the notes folder, or not a file); the message says why."""


def note_path(notes: Path, source: str, files: dict[str, dict]) -> Path:
    """The file in ``notes`` that ``source`` ("notes/x.md", as cited) names; never a path outside ``notes``."""
    root = notes.resolve()
    info = files.get(source) or {}
    candidates = [Path(info["path"])] if info.get("path") else []
    parts = Path(source).parts
    if len(parts) > 1:
        candidates.append(notes / Path(*parts[1:]))  # a source is cited from the notes folder's parent
    for candidate in candidates:
        path = candidate.resolve()
        if path.is_relative_to(root) and path != root:
            if not path.is_file():
                raise RemoveRefused(f"{source} is no longer in {notes}; nothing to remove")
            return path
    raise RemoveRefused(f"{source} is not a file in {notes}; remove it there by hand")


def remove_note(study, source: str):
    """Delete one note from the notes folder and start re-indexing: (the result as one line of HTML, the ingest's
    thread, or None when nothing was removed). The line says what was done, never how far the index is: that line
    (ingest_status_html) is the one kept current, and a result line would stay on the page after the index is done."""
    searcher = study.searcher()
    try:
        path = note_path(study.notes, source, searcher.index.files)
        path.unlink()
    except RemoveRefused as e:
        return f'<p class="remove-error" role="alert">{esc(str(e))}</p>', None
    except OSError as e:
        return f'<p class="remove-error" role="alert">Could not remove {esc(source)} ({esc(e.strerror or str(e))}).</p>', None
    worker = study.ingest_in_background()
    return f'<p class="removed" role="status">Removed {esc(source)}.</p>', worker


def add_uploads(study, files, replace: bool = False):
    """Save uploaded files (Gradio's temp paths) into the notes folder, each refused before anything is written when
    it cannot be a note, and start indexing when one was saved: (the result as HTML, the ingest's thread or None).
    The Notes tab and the sources panel both add notes through here."""
    from gradio.utils import get_upload_folder

    from .uploads import save_uploads

    pairs = [(Path(f), Path(f).name) for f in files or []]
    if not pairs:
        return '<p role="status">Choose or drop files first.</p>', None
    saved, rejected = save_uploads(pairs, study.notes, replace=replace, allowed_from=Path(get_upload_folder()),
                                   max_bytes=study.settings.max_note_bytes)
    lines = [f'<li class="rejected">not added <b>{esc(name)}</b>: {esc(why)}</li>' for name, why in rejected]
    worker = None
    if saved:
        # Answer at once; the index follows in the background and the status line shows how far.
        worker = study.ingest_in_background()
        lines.insert(0, f"<li>saved {', '.join(esc(n) for n in saved)}</li>")  # how far: ingest_status_html
    return '<ul role="status">' + "".join(lines) + "</ul>", worker


# The Notes tab polls: every FOLLOW_SECONDS while an ingest runs, every IDLE_SECONDS otherwise, so an ingest this
# page did not start (the folder watcher, the Ask tab, `study ingest` in a terminal) is shown too, and its
# "Reading notes…" line is replaced when it ends. A poll that finds nothing new sends nothing: a redrawn table
# would close a Remove confirmation the student has open.
FOLLOW_SECONDS = 1.0
IDLE_SECONDS = 4.0


def notes_view(study) -> tuple[str, str, str]:
    """The Notes tab's status line and table as the live index and the latest ingest have them, and a stamp that
    changes whenever either does."""
    import hashlib

    searcher = study.searcher()
    files = searcher.index.files
    shown = (ingest_status_html(study.status),
             notes_table(files, len(searcher.chunks), searcher.index.manifest.model, study.status.skipped))
    return (*shown, hashlib.sha1("\0".join(shown).encode()).hexdigest())


def build_notes_tab(gr, study, demo):
    """The Notes tab (opened here, inside the caller's gr.Blocks ``demo``); returns the gr.Tab."""
    from ingest import SUPPORTED

    workers: list = []  # ingests started from this page: followed closely until all have ended

    def interval():
        workers[:] = [w for w in workers if w.is_alive()]
        busy = bool(workers) or study.status.running
        return gr.Timer(FOLLOW_SECONDS if busy else IDLE_SECONDS, active=True)

    def follow(worker):
        if worker is not None:
            workers.append(worker)
        return (*notes_view(study), interval())

    def add_notes(files, replace: bool):
        said, worker = add_uploads(study, files, bool(replace))
        return (said, None, *follow(worker))

    def remove(evt: gr.EventData):
        source = (getattr(evt, "_data", None) or {}).get("remove")
        if not source:
            return (gr.skip(),) * 5
        said, worker = remove_note(study, str(source))
        return (said, *follow(worker))

    remove.__annotations__["evt"] = gr.EventData  # a real class: this module's annotations are strings

    def poll(before: str):
        line, table_now, stamp = notes_view(study)
        if stamp == before:
            return gr.skip(), gr.skip(), gr.skip(), interval()
        return line, table_now, stamp, interval()

    with gr.Tab("Notes") as tab:
        types = sorted(SUPPORTED)
        uploads = gr.File(label="Add notes: drop Markdown, text, PDF, slides, Word, EPUB, web pages, notebooks or images here",
                          file_count="multiple", file_types=types, elem_id="upload")
        replace = gr.Checkbox(label="Replace existing files with the same name", value=False, elem_id="replace")
        add = gr.Button("Add to notes and index", variant="primary", elem_id="add-notes")
        status = gr.HTML(elem_id="upload-status", js_on_load=None)
        ingest_status = gr.HTML(elem_id="ingest-status", js_on_load=None)
        table = gr.HTML(elem_id="notes-table", js_on_load=TABLE_JS)
        shown = gr.State("")  # notes_view's stamp of what this page shows
        ticker = gr.Timer(IDLE_SECONDS, active=True)
    view = [ingest_status, table, shown, ticker]
    tab.select(lambda: follow(None), None, view, api_name=False)
    add.click(add_notes, [uploads, replace], [status, uploads, *view], api_name="upload")
    table.click(remove, None, [status, *view], api_name=False)
    ticker.tick(poll, shown, view, api_name=False)
    demo.load(lambda: follow(None), None, view, api_name=False)
    return tab
