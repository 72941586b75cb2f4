"""The sources panel beside the chat: the notes grouped by folder with their passage counts, ticked to say which ones
a question searches (the search itself keeps to them: index.search), with a Remove action on each note.

The ticks live in the page (a folder's box ticks or unticks every note under it); a question carries them to the
server as JSON (``picked`` reads it). The panel's HTML is rendered all ticked: the page re-applies the student's
ticks after each refresh, so a note new to the page starts ticked and the others keep what the student chose.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import answer as answering
from .render import esc
from .ui_remove import confirm_html, confirm_js

TITLE = "Sources: questions search the ticked notes"


def source_choices(files: dict[str, dict]) -> list[tuple[str, str]]:
    """(label, source) for each file that has passages: 'biology.md · 3 passages' (its path inside the notes folder:
    'sub/x.md · 2 passages', so two files of one name in two folders stay apart)."""
    out = []
    for source, info in sorted(files.items()):
        n = info.get("passages", 0)
        if not info.get("error") and n:
            inside = source.split("/", 1)[1] if "/" in source else source
            out.append((f"{inside} · {n} passage{'s' if n != 1 else ''}", source))
    return out


def unreadable_html(files: dict[str, dict]) -> str:
    """The files that could not be indexed, one line each, and where they are fixed."""
    bad = [(s, i["error"]) for s, i in sorted(files.items()) if i.get("error")]
    rows = "".join(f'<li title="{esc(why)}">{esc(Path(s).name)}: not indexed</li>' for s, why in bad)
    hint = ("Fix or remove them on the Notes tab." if bad
            else "To replace a note by a file of the same name, use the Notes tab.")
    return (f'<ul class="unreadable">{rows}</ul>' if rows else "") + f'<p class="sources-hint">{hint}</p>'


def chosen(ticked: list[str] | None, files: dict[str, dict]) -> set[str] | None:
    """The files a question searches: None for all (nothing ticked off); an empty set when none are ticked."""
    everything = {s for _, s in source_choices(files)}
    if ticked is None:
        return None
    picked = set(ticked) & everything
    return None if picked == everything else picked


def picked(sent, files: dict[str, dict]) -> set[str] | None:
    """The files a question searches, from what the page sends: ``{"ticked": [...], "listed": [...]}`` as JSON (or
    a plain list of sources from an API client). A file the panel did not list yet (indexed since it was drawn) is
    searched; anything unreadable, or a panel not drawn yet, searches every file."""
    if isinstance(sent, str):
        try:
            sent = json.loads(sent)
        except ValueError:
            return None
    if isinstance(sent, list):
        return chosen([str(s) for s in sent], files)
    if not isinstance(sent, dict) or not isinstance(sent.get("ticked"), list) or not sent.get("listed"):
        return None
    listed = {str(s) for s in sent["listed"]} if isinstance(sent["listed"], list) else set()
    unseen = [s for _, s in source_choices(files) if s not in listed]
    return chosen([str(s) for s in sent["ticked"]] + unseen, files)


def _tree(sources: list[str]) -> dict:
    """Sources as nested folders: {"files": [source, ...], "folders": {name: subtree}}. The folder every source
    shares (the notes folder itself) is not a level of its own."""
    parts = {s: s.split("/") for s in sources}
    shared = {p[0] for p in parts.values() if len(p) > 1}
    strip = 1 if len(shared) == 1 and all(len(p) > 1 for p in parts.values()) else 0
    root: dict = {"files": [], "folders": {}}
    for source, p in parts.items():
        node = root
        for name in p[strip:-1]:
            node = node["folders"].setdefault(name, {"files": [], "folders": {}})
        node["files"].append(source)
    return root


def _count(node: dict) -> int:
    return len(node["files"]) + sum(_count(sub) for sub in node["folders"].values())


def _file_row(source: str, n: int) -> str:
    name = Path(source).name
    return (f'<li class="src-file" data-source="{esc(source)}"><span class="src-row">'
            f'<label><input type="checkbox" data-source="{esc(source)}" checked>'
            f'{esc(name)} · {n} passage{"s" if n != 1 else ""}</label>'
            f'<button type="button" class="src-remove" data-action="ask" aria-label="Remove {esc(source)}" '
            f'title="Remove this note">×</button></span>'
            f'{confirm_html(name)}</li>')


def _rows(node: dict, counts: dict[str, int], path: str) -> str:
    out = []
    for name, sub in sorted(node["folders"].items()):
        inside = f"{path}{name}/"
        n = _count(sub)
        out.append(f'<li class="src-folder"><label><input type="checkbox" data-folder="{esc(inside)}" checked>'
                   f'<span><span class="src-folder-name">{esc(name)}/</span> · {n} note{"s" if n != 1 else ""}</span></label>'
                   f'<ul>{_rows(sub, counts, inside)}</ul></li>')
    out += [_file_row(source, counts[source]) for source in sorted(node["files"])]
    return "".join(out)


def panel_html(files: dict[str, dict]) -> str:
    """The panel's list: folders first (each with a box that ticks all notes under it), then the notes, each with
    its passage count and a Remove action that asks first."""
    counts = {s: files[s].get("passages", 0) for _, s in source_choices(files)}
    if not counts:
        return (f'<div class="src-panel"><p class="src-title">{TITLE}</p>'
                '<p class="sources-hint">No notes indexed yet: add some below.</p></div>')
    return (f'<div class="src-panel" role="group" aria-labelledby="src-title"><p class="src-title" id="src-title">'
            f'{TITLE}</p><ul class="src-tree">{_rows(_tree(sorted(counts)), counts, "")}</ul></div>')


def ask_within(study, question: str, sources: set[str] | None, previous: list[str] | None = None, k: int = 5):
    """Study.ask, searching only ``sources`` (None: every file; none ticked: nothing to search)."""
    if sources is not None and not sources:
        return answering.Answer(question.strip(), [], query=question.strip())
    return study.ask(question, k=k, previous=previous, sources=sources)


# The panel in the page. The student's ticks are kept by source (``unticked``), so a refreshed list (a note added or
# removed) keeps them; a folder's box shows its notes: all ticked, none, or some (mixed). Remove asks in the row.
PANEL_JS = """
const study = window.studyPage = window.studyPage || {};
const off = study.unticked = study.unticked || new Set();
const notes = (root) => [...root.querySelectorAll('input[data-source]')];
const settle = () => {
  for (const box of element.querySelectorAll('input[data-folder]')) {
    const inside = notes(box.closest('li'));
    const on = inside.filter((i) => i.checked).length;
    box.checked = on > 0 && on === inside.length;
    box.indeterminate = on > 0 && on < inside.length;
  }
};
const apply = () => { for (const i of notes(element)) i.checked = !off.has(i.dataset.source); settle(); };
study.sources = () => JSON.stringify({ticked: notes(element).filter((i) => i.checked).map((i) => i.dataset.source),
                                      listed: notes(element).map((i) => i.dataset.source)});
element.addEventListener('change', (e) => {
  const box = e.target;
  if (!box.matches || !box.matches('input[type=checkbox]')) return;
  const touched = box.dataset.folder !== undefined ? notes(box.closest('li')) : [box];
  for (const i of touched) {
    i.checked = box.checked;
    if (box.checked) off.delete(i.dataset.source); else off.add(i.dataset.source);
  }
  settle();
});
watch('value', apply);
apply();
""" + confirm_js("li[data-source]", "trigger('remove_note', {source: row.dataset.source})")

# What a question's event sends for the panel: the ticks as JSON (the panel's own value is its HTML).
SEND_TICKS = "(study => study && study.sources ? study.sources() : '')(window.studyPage)"
