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


def notes_table(files: dict[str, dict], passages: int, model: str, skipped: list[dict] | None = None) -> str:
    """Every file in the notes once: its passages, when it was indexed, its status (a failure's reason, a
    warning, or ok), and a Remove action."""
    rows = []
    listed = set()
    for source, info in sorted(files.items()):
        listed.add(source)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.get("indexed_at", 0)))
        if info.get("error"):
            status = f'<span class="status-failed">not indexed: {esc(info["error"])}</span>'
        elif info.get("kept"):  # no longer reads; its last good version is what answers cite
            status = f'<span class="status-failed">{esc(info["kept"])}</span>'
        elif isinstance(info.get("partial"), dict):  # a step of an ingest under way (or stopped) holds part of it
            status = f'indexing: {info["partial"]["done"]} of {info["partial"]["total"]} passages'
        else:
            status = "; ".join(esc(w) for w in info.get("warnings", [])) or "ok"
        rows.append(f'<tr data-source="{esc(source)}"><td class="file">{esc(source)}</td>'
                    f'<td data-label="passages">{info.get("passages", 0)}</td><td data-label="indexed">{when}</td>'
                    f"<td>{status}</td>{_remove_cell(source, Path(source).name)}</tr>")
    for item in skipped or []:
        if item["path"] in listed:
            continue
        listed.add(item["path"])
        rows.append(f'<tr data-source="{esc(item["path"])}"><td class="file">{esc(item["path"])}</td><td data-label="passages">0</td><td>–</td>'
                    f'<td><span class="status-failed">not read: {esc(item["reason"])}</span></td>'
                    f'{_remove_cell(item["path"], Path(item["path"]).name)}</tr>')
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
    thread, or None when nothing was removed)."""
    searcher = study.searcher()
    try:
        path = note_path(study.notes, source, searcher.index.files)
        path.unlink()
    except RemoveRefused as e:
        return f'<p class="remove-error" role="alert">{esc(str(e))}</p>', None
    except OSError as e:
        return f'<p class="remove-error" role="alert">Could not remove {esc(source)} ({esc(e.strerror or str(e))}).</p>', None
    worker = study.ingest_in_background()
    return f'<p class="removed" role="status">Removed {esc(source)}; the index is following…</p>', worker


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
        lines.insert(0, f"<li>saved {', '.join(esc(n) for n in saved)}; indexing…</li>")
    return '<ul role="status">' + "".join(lines) + "</ul>", worker


def build_notes_tab(gr, study, demo):
    """The Notes tab (opened here, inside the caller's gr.Blocks ``demo``); returns the gr.Tab."""
    from ingest import SUPPORTED

    workers: list = []  # ingests started from this page: the table is refreshed until all have ended

    def indexing() -> bool:
        workers[:] = [w for w in workers if w.is_alive()]
        return bool(workers) or study.status.running

    def table_html() -> str:
        searcher = study.searcher()
        return notes_table(searcher.index.files, len(searcher.chunks), searcher.index.manifest.model, study.status.skipped)

    def add_notes(files, replace: bool):
        said, worker = add_uploads(study, files, bool(replace))
        if worker is not None:
            workers.append(worker)
        return said, table_html(), None, gr.Timer(active=worker is not None)

    def remove(evt: gr.EventData):
        source = (getattr(evt, "_data", None) or {}).get("remove")
        if not source:
            return gr.skip(), gr.skip(), gr.skip()
        said, worker = remove_note(study, str(source))
        if worker is not None:
            workers.append(worker)
        return said, table_html(), gr.Timer(active=worker is not None)

    remove.__annotations__["evt"] = gr.EventData  # a real class: this module's annotations are strings

    def poll():
        running = indexing()
        return ingest_status_html(study.status), table_html(), gr.Timer(active=running)

    with gr.Tab("Notes") as tab:
        types = sorted(SUPPORTED)
        uploads = gr.File(label="Add notes: drop Markdown, text, PDF, slides, Word, EPUB, web pages, notebooks or images here",
                          file_count="multiple", file_types=types, elem_id="upload")
        replace = gr.Checkbox(label="Replace existing files with the same name", value=False, elem_id="replace")
        add = gr.Button("Add to notes and index", variant="primary", elem_id="add-notes")
        status = gr.HTML(elem_id="upload-status", js_on_load=None)
        ingest_status = gr.HTML(elem_id="ingest-status", js_on_load=None)
        table = gr.HTML(elem_id="notes-table", js_on_load=TABLE_JS)
        ticker = gr.Timer(1.0, active=False)
    tab.select(lambda: (ingest_status_html(study.status), table_html()), None, [ingest_status, table], api_name=False)
    add.click(add_notes, [uploads, replace], [status, table, uploads, ticker], api_name="upload")
    table.click(remove, None, [status, table, ticker], api_name=False)
    ticker.tick(poll, None, [ingest_status, table, ticker], api_name=False)
    demo.load(lambda: (ingest_status_html(study.status), table_html()), None, [ingest_status, table], api_name=False)
    return tab
