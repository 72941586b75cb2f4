"""Citations as links, and the source viewer they open beside the chat (over it on a phone).

A chip (app.render.chip) is a plain link whose address names the passage (file, unit, span, and the lines the
answer quotes): the chat's sanitizer keeps links and titles but drops data attributes, and the address still names
the passage after the index changes under an old answer. The page script (CHIP_JS) turns a click or a tap on a chip
into a call to ``open_citation`` (a server function of the viewer) and shows what it returns; a long press on a
touch screen shows where the chip points instead, as hovering does with a mouse.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from .render import _by_source, context_block, esc, fingerprint, unit_context

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
    if out["end"] is None:
        out["end"] = out["start"]  # a cut-down address names one line or unit
    out["mark"] = {int(n) for n in raw.get("mark", "").split(",") if n.strip().isdigit()}
    out["p"] = raw.get("p", "")
    out["b"] = {b for b in raw.get("b", "").split(",") if b}
    return out


def find_passage(chunks, source: str, kind: str, start: int | None, end: int | None, chapter: int | None,
                 name: str = ""):
    """The passage of the live index that the chip names (by ``name``, its fingerprint, where a page or slide
    holds several), or None (the note changed since the answer)."""
    found = [c for c in _by_source(chunks).get(source, [])
             if c.unit_kind == kind and c.span == (start, end) and c.chapter == chapter]
    if name:  # a chip made since passages carry names: that passage or none (it changed since the answer)
        return next((c for c in found if fingerprint(c.text) == name), None) or _joined(chunks, source, kind, start, end,
                                                                                        chapter, name)
    return found[0] if found else None


def _joined(chunks, source: str, kind: str, start: int | None, end: int | None, chapter: int | None, name: str):
    """Neighbouring passages a search showed as one excerpt (index.neighbours) that the chip names, joined again."""
    from index.neighbours import rejoined

    inside = sorted((c for c in _by_source(chunks).get(source, []) if c.unit_kind == kind and c.chapter == chapter
                     and start is not None and end is not None and start <= c.span[0] and c.span[1] <= end),
                    key=lambda c: c.span)
    return rejoined(inside, lambda excerpt: fingerprint(excerpt.text) == name)[1]


def viewer_html(cite: dict, files: dict[str, dict], chunks) -> str:
    """The cited unit in its context, the cited part marked, under a header naming it and a close button."""
    source, kind, start, end = cite["source"], cite["kind"], cite["start"], cite["end"]
    passage = find_passage(chunks, source, kind, start, end, cite.get("chapter"), cite.get("p", "")) if source else None
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
        from ingest import split_sentences

        said = [t for t, _, _ in split_sentences(passage) if fingerprint(t) in cite.get("b", ())]
        body = unit_context(passage, chunks, said)
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

# Chips in the page, installed once. A click, a tap, Enter or Space opens the passage; a finger held on a chip
# (HOLD ms, not moving) shows its location in a bubble and opens nothing: a phone has no hover, so the title a mouse
# shows is never seen there. The click a browser may send when that finger lifts is not a tap, and is dropped.
CHIP_JS = """
const chips = window.studyPage = window.studyPage || {};
if (!chips.chipsInstalled) {
  chips.chipsInstalled = true;
  const HOLD = 500, SLOP = 10;
  let held = null, pressed = false;
  const chipOf = (e) => e.target && e.target.closest ? e.target.closest('a.chip') : null;
  const openChip = (a) => { chips.lastChip = a;
    window.dispatchEvent(new CustomEvent('study-open', {detail: a.getAttribute('href')})); };
  const hide = () => { const b = document.getElementById('chip-where'); if (b) b.hidden = true; };
  const where = (a) => {
    let b = document.getElementById('chip-where');
    if (!b) {  // inside Gradio's container: the page's stylesheet only reaches in there
      b = document.createElement('div');
      b.id = 'chip-where'; b.setAttribute('role', 'status');
      (document.querySelector('.gradio-container') || document.body).appendChild(b);
    }
    b.textContent = a.getAttribute('title') || a.textContent;
    b.hidden = false;
    const r = a.getBoundingClientRect(), w = b.offsetWidth, h = b.offsetHeight;
    b.style.left = Math.max(8, Math.min(r.left + r.width / 2 - w / 2, window.innerWidth - w - 8)) + 'px';
    const above = r.top - h - 12;  // above the finger, or under the chip when there is no room
    b.style.top = (above >= 8 ? above : Math.min(r.bottom + 12, window.innerHeight - h - 8)) + 'px';
  };
  const letGo = () => { if (held) { clearTimeout(held.timer); held = null; } };
  document.addEventListener('touchstart', (e) => {
    hide(); letGo(); pressed = false;
    const a = chipOf(e);
    if (!a || e.touches.length !== 1) return;
    const t = e.touches[0];
    held = {x: t.clientX, y: t.clientY, timer: setTimeout(() => { held = null; pressed = true; where(a); }, HOLD)};
  }, {capture: true, passive: true});
  document.addEventListener('touchmove', (e) => {
    const t = e.touches[0];
    if (held && t && (Math.abs(t.clientX - held.x) > SLOP || Math.abs(t.clientY - held.y) > SLOP)) letGo();
  }, {capture: true, passive: true});
  document.addEventListener('touchend', letGo, true);
  document.addEventListener('touchcancel', letGo, true);
  document.addEventListener('pointerdown', (e) => { if (e.pointerType === 'mouse') pressed = false; }, true);
  document.addEventListener('contextmenu', (e) => { if (chipOf(e)) e.preventDefault(); }, true);
  document.addEventListener('scroll', hide, true);
  document.addEventListener('click', (e) => {
    const a = chipOf(e);
    if (!a) return;
    e.preventDefault(); e.stopPropagation();
    if (pressed) { pressed = false; return; }  // the end of a long press
    hide(); openChip(a);
  }, true);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hide();
    const a = chipOf(e);
    if (a && e.key === ' ') { e.preventDefault(); openChip(a); }
  });
}
"""
