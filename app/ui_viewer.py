"""Citations as links, and the source viewer they open beside the chat (over it on a phone).

A chip (app.render.chip) is a plain link whose address names the passage (file, unit, span, and the lines the
answer quotes): the chat's sanitizer keeps links and titles but drops data attributes, and the address still names
the passage after the index changes under an old answer. The page script turns a click on a chip into a call to
``open_citation`` (a server function of the viewer) and shows what it returns.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from .render import _by_source, context_block, esc, unit_context

AROUND = 12  # lines shown either side of a cited passage in the viewer: its section, usually, not the whole file


def parse_href(href: str) -> dict:
    """A chip's address back to its fields; unknown or malformed parts are dropped."""
    query = href.split("?", 1)[1] if "?" in href else ""
    raw = {k: v[0] for k, v in parse_qs(query).items()}
    out: dict = {"source": raw.get("source", ""), "kind": raw.get("kind", "lines")}
    for key in ("start", "end", "chapter"):
        try:
            out[key] = int(raw[key])
        except (KeyError, ValueError):
            out[key] = None
    out["mark"] = {int(n) for n in raw.get("mark", "").split(",") if n.strip().isdigit()}
    return out


def find_passage(chunks, source: str, kind: str, start: int | None, end: int | None, chapter: int | None):
    """The passage of the live index that the chip names, or None (the note changed since the answer)."""

    for c in _by_source(chunks).get(source, []):
        if c.unit_kind == kind and c.span == (start, end) and c.chapter == chapter:
            return c
    return None


def viewer_html(cite: dict, files: dict[str, dict], chunks) -> str:
    """The cited unit in its context, the cited part marked, under a header naming it and a close button."""
    source, kind, start, end = cite["source"], cite["kind"], cite["start"], cite["end"]
    passage = find_passage(chunks, source, kind, start, end, cite.get("chapter")) if source else None
    close = '<button type="button" class="viewer-close" aria-label="Close the source viewer">×</button>'
    if passage is None and not (source in files and kind == "lines" and start):
        return (f'<div class="viewer-head">{close}<h2 tabindex="-1">Source</h2></div>'
                f'<p class="viewer-missing">This passage is no longer in the index ({esc(source or "unknown file")} '
                "changed since the answer). Ask again to cite the note as it is now.</p>")
    if passage is not None:
        where, heading = passage.citation, passage.heading
    else:
        where, heading = f"{source}:{start}-{end}", ""
    if kind == "lines":
        body = context_block(source, start, end, passage.text if passage else "", files, AROUND, cite.get("mark") or None)
    else:
        body = unit_context(passage, chunks, [])
    sub = f'<p class="viewer-heading">{esc(heading)}</p>' if heading else ""
    return (f'<div class="viewer-head">{close}<h2 tabindex="-1">{esc(where)}</h2>{sub}</div>'
            f'<div class="viewer-body" tabindex="0" role="region" aria-label="The cited passage in its context">'
            f"{body}</div>")


# The viewer's own script: open on the page's 'study-open' event (a chip was clicked), close on its button or
# Escape, and bring the marked text into view inside the viewer.
VIEWER_JS = """
// Open means an attribute on the viewer's column: Gradio prefixes our CSS with its container, so no rule can
// start at <body>, and Svelte owns the column's class list.
const column = () => document.getElementById('viewer-col');
const open = async (href) => {
  column().setAttribute('data-open', '');
  props.value = '<p class="viewer-loading" role="status">Opening the source…</p>';
  props.value = await server.open_citation(href);
  setTimeout(() => {
    const body = element.querySelector('.viewer-body');
    const mark = element.querySelector('.viewer-body mark');
    if (body && mark) body.scrollTop += mark.getBoundingClientRect().top - body.getBoundingClientRect().top
                                      - body.clientHeight / 4;
    const title = element.querySelector('.viewer-head h2');
    if (title) title.focus({preventScroll: true});
  }, 30);
};
const close = () => {
  if (!column().hasAttribute('data-open')) return;
  column().removeAttribute('data-open');
  const back = window.studyPage && window.studyPage.lastChip;
  if (back && back.isConnected) back.focus({preventScroll: true});
};
window.addEventListener('study-open', (e) => open(e.detail));
window.addEventListener('study-close', close);
element.addEventListener('click', (e) => { if (e.target.closest && e.target.closest('.viewer-close')) close(); });
"""
