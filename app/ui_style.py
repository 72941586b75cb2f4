"""How the page looks and moves: one stylesheet (system fonts, light and dark from the system, phone widths) and
the page-wide script (what is scrolled into view, keys). Used by app.web; the CSS reaches the page through
app.server's launch, the script through a hidden HTML component.
"""
from __future__ import annotations

# The system's own fonts (page_theme): the theme's bundled web font is a subset that lacks some capitals, so the
# browser fell back letter by letter ("IAM" with a smaller A). Nothing is downloaded for these.
SANS = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, '
        "sans-serif")
MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace'

CSS = f"""
/* Light and dark both follow the system (Gradio sets .dark from prefers-color-scheme); our own colours too. */
:root {{ --study-mark: #fff1a8; --study-mark-text: inherit; --study-muted: #5b5f66; --study-line: #d6d9de;
  --study-danger: #b3261e; --study-chip: #e8eefc; --study-chip-text: #1d3f8f; --study-panel: #f7f8fa; }}
.dark {{ --study-mark: #6b5a00; --study-mark-text: #fff8d6; --study-muted: #b4b9c2; --study-line: #3a3f47;
  --study-danger: #ff8a80; --study-chip: #25355c; --study-chip-text: #d7e2ff; --study-panel: #1b1d22; }}
mark {{ background: var(--study-mark); color: var(--study-mark-text); border-radius: 2px; padding: 0 1px; }}
.ctx-pre, .passage {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.85em; line-height: 1.4; }}
.passage {{ font-family: {SANS} !important; font-size: 0.95em; margin: 0.2em 0 0.3em; }}
.cite summary {{ cursor: pointer; font-weight: 600; overflow-wrap: anywhere; }}
.cite summary:focus-visible {{ outline: 2px solid var(--color-accent); outline-offset: 2px; }}
#page-js {{ display: none !important; }}
/* Text at 4.5:1 or more (axe-core, WCAG AA): the selected tab, the footer, the upload's "- or -". */
.tab-container button.selected {{ color: var(--body-text-color) !important; font-weight: 650; }}
footer, footer a, footer button, footer .settings, #upload .or {{ color: var(--study-muted) !important; opacity: 1 !important; }}
h1.title {{ font-size: 1.5em; margin: 0.2em 0; }}
/* Citation chips and the source viewer: beside the chat on a wide screen, over it on a narrow one. */
a.chip {{ display: inline-block; min-width: 1.6em; padding: 0 0.35em; margin: 0 0.1em; border-radius: 0.8em;
  background: var(--study-chip); color: var(--study-chip-text) !important; text-decoration: none !important;
  font-weight: 650; font-size: 0.85em; line-height: 1.5; text-align: center; cursor: pointer; }}
a.chip:hover, a.chip:focus-visible {{ outline: 2px solid var(--color-accent); outline-offset: 1px; }}
.cite-heading {{ font-weight: 400; color: var(--study-muted); }}
#chatbot .prose {{ opacity: 1 !important; }}  /* Gradio dims answers to 0.8: muted text fell below 4.5:1 */
.open-beside {{ margin: 0.3em 0; font-size: 0.9em; }}
#viewer-col {{ display: none; }}
#viewer-col[data-open] {{ display: flex; position: sticky; top: 8px; align-self: flex-start;
  max-height: calc(100vh - 16px); }}
#viewer {{ background: var(--study-panel); border: 1px solid var(--study-line); border-radius: 8px; padding: 0.6em;
  overflow: hidden; display: flex; flex-direction: column; max-height: calc(100vh - 16px); }}
.viewer-head {{ position: relative; padding-right: 2.6em; }}
.viewer-head h2 {{ margin: 0; font-size: 1em; overflow-wrap: anywhere; }}
.viewer-heading {{ margin: 0.1em 0 0.4em; color: var(--study-muted); font-size: 0.9em; overflow-wrap: anywhere; }}
.viewer-close {{ position: absolute; top: -0.2em; right: 0; width: 2.2em; height: 2.2em; font-size: 1.2em;
  border-radius: 50%; border: 1px solid var(--study-line); background: var(--background-fill-primary);
  color: var(--body-text-color); cursor: pointer; }}
.viewer-body {{ overflow: auto; max-height: calc(100vh - 190px); }}
.viewer-idle, .viewer-missing {{ color: var(--study-muted); }}
/* The sources panel: folders and notes as a tree of boxes; a folder's box ticks everything under it. */
#sources .src-title {{ font-weight: 600; margin: 0 0 0.3em; }}
#sources ul.src-tree, #sources ul.src-tree ul {{ list-style: none; margin: 0; padding: 0; }}
#sources ul.src-tree ul {{ margin-left: 0.55em; padding-left: 0.75em; border-left: 1px solid var(--study-line); }}
#sources ul.src-tree li {{ margin: 0; padding: 0; font-size: inherit; }}
#sources ul.src-tree ul {{ font-size: inherit; }}  /* prose shrinks nested lists */
#sources ul.src-tree li::before, #sources ul.src-tree li::marker {{ content: none; }}
#sources .src-row {{ display: flex; align-items: center; gap: 0.2em; }}
#sources ul.src-tree label {{ display: flex; align-items: center; gap: 0.45em; flex: 1; min-height: 30px; padding: 2px 0;
  cursor: pointer; overflow-wrap: anywhere; }}
#sources ul.src-tree input[type=checkbox] {{ width: 18px; height: 18px; margin: 0; flex: none; cursor: pointer;
  accent-color: var(--color-accent); }}
#sources .src-folder > label {{ font-weight: 600; }}
#sources .src-remove {{ flex: none; width: 30px; height: 30px; border-radius: 50%; border: 1px solid transparent;
  background: none; color: var(--study-muted); font-size: 1.15em; line-height: 1; cursor: pointer; }}
#sources .src-remove:hover, #sources .src-remove:focus-visible {{ border-color: var(--study-line); color: var(--study-danger); }}
#sources .confirm {{ display: block; padding: 0.1em 0 0.4em 1.7em; font-size: 0.92em; }}
#sources .confirm[hidden] {{ display: none; }}
#sources .confirm button {{ border: 1px solid var(--study-line); border-radius: 6px; padding: 0.15em 0.6em;
  margin: 0.15em 0.1em 0 0; min-height: 28px; background: var(--background-fill-primary); color: var(--body-text-color);
  cursor: pointer; }}
#sources .confirm button.danger {{ background: var(--study-danger); border-color: var(--study-danger); color: #fff; }}
.dark #sources .confirm button.danger {{ color: #1b1d22; }}
#panel-said ul, #panel-said p, #panel-progress p {{ margin: 0.2em 0; font-size: 0.9em; overflow-wrap: anywhere; }}
#panel-said ul {{ padding-left: 1.1em; }}
#panel-said .rejected, #panel-said .remove-error {{ color: var(--study-danger); }}
/* A long press on a chip (a phone has no hover) says where it points, in this bubble (app.ui_viewer.CHIP_JS). */
#chip-where {{ position: fixed; z-index: 10001; max-width: min(92vw, 380px); padding: 0.45em 0.7em; border-radius: 8px;
  background: var(--body-text-color); color: var(--background-fill-primary); font-size: 0.9em; line-height: 1.35;
  overflow-wrap: anywhere; box-shadow: 0 4px 14px rgba(0, 0, 0, 0.25); pointer-events: none; }}
#chip-where[hidden] {{ display: none; }}
a.chip {{ -webkit-touch-callout: none; -webkit-user-select: none; user-select: none; touch-action: manipulation; }}
.unreadable {{ color: var(--study-danger); font-size: 0.9em; margin: 0.2em 0; padding-left: 1.1em; }}
.sources-hint {{ color: var(--study-muted); font-size: 0.85em; margin: 0; }}
@media (max-width: 1023px) {{
  #viewer-col[data-open] {{ position: fixed; inset: 0; z-index: 10000; max-height: none; padding: 8px;
    background: var(--background-fill-primary); }}
  #viewer-col[data-open] #viewer {{ max-height: none; height: 100%; width: 100%; }}
  .viewer-body {{ max-height: none; flex: 1; }}
}}
.index-summary {{ color: var(--study-muted); font-size: 0.88em; margin: 0; }}
#index-summary {{ padding: 0 !important; min-height: 0 !important; }}
#chatbot {{ height: min(560px, calc(100dvh - 240px)) !important; min-height: 320px; }}
/* Search results: a heading line per run of hits, then each hit's place and citation, its words marked. */
.results-count {{ color: var(--study-muted); margin: 0.2em 0 0.6em; }}
.hit-group {{ margin: 0 0 0.9em; }}
h2.hit-heading {{ font-size: 1em; font-weight: 650; margin: 0.4em 0 0.2em; overflow-wrap: anywhere; }}
.hit {{ border-left: 3px solid var(--study-line); padding: 0.1em 0 0.1em 0.7em; margin: 0.3em 0 0.6em; }}
.hit-cite {{ margin: 0; color: var(--study-muted); font-size: 0.9em; overflow-wrap: anywhere; }}
.hit-cite .rank {{ font-weight: 700; color: var(--body-text-color); }}
.no-results {{ color: var(--study-muted); }}
/* Notes */
.table-wrap {{ overflow-x: auto; max-width: 100%; }}
table.progress td.section {{ overflow-wrap: anywhere; min-width: 8em; }}
table.notes {{ border-collapse: collapse; width: 100%; font-size: 0.92em; }}
table.notes caption {{ text-align: left; font-weight: 650; padding: 0.2em 0; }}
table.notes th, table.notes td {{ border-bottom: 1px solid var(--study-line); padding: 0.35em 0.5em; text-align: left;
  vertical-align: top; }}
table.notes td.file {{ overflow-wrap: anywhere; }}
table.notes button {{ border: 1px solid var(--study-line); border-radius: 6px; padding: 0.15em 0.6em; margin: 0.1em 0;
  background: var(--background-fill-primary); color: var(--body-text-color); cursor: pointer; font-size: 0.95em; }}
table.notes button.danger {{ background: var(--study-danger); border-color: var(--study-danger); color: #fff; }}
.dark table.notes button.danger {{ color: #1b1d22; }}
.status-failed, .remove-error, .review-error {{ color: var(--study-danger); }}
.sr-only {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }}
/* Every dropdown: Gradio lays its arrow over the end of the input, which covered the text on a phone. The arrow
   takes its own place in the row instead, and a value too long for the box ends in an ellipsis before it. */
.secondary-wrap > input[role="combobox"] {{ min-width: 0; text-overflow: ellipsis; }}
.secondary-wrap > .icon-wrap {{ position: static; transform: none; flex: none; }}
/* The chat's Clear icon sits over the top right corner of the messages, where a question (right-aligned) ends:
   questions keep clear of that corner, as scrolled to the top after asking. */
#chatbot .message-row.user-row {{ margin-right: calc(var(--spacing-xl) * 2 + 12px); }}
/* Review */
.card-q {{ font-size: 1.1em; margin: 0.2em 0; }}
.grade {{ margin: 0.4em 0; padding: 0.3em 0.6em; border-left: 5px solid #888; border-radius: 3px; }}
.grade-red {{ border-color: #d22; background: rgba(221, 34, 34, 0.09); }}
.grade-yellow {{ border-color: #d9a000; background: rgba(217, 160, 0, 0.12); }}
.grade-green {{ border-color: #2a9d3a; background: rgba(42, 157, 58, 0.1); }}
.review-counts, .review-note, .review-error, .reply, .answer {{ margin: 0.2em 0; }}
#review-ratings button {{ white-space: normal; }}
#review-notice:has(.prose:empty) {{ display: none; }}
/* Phones. Gradio prefixes each rule with its container, so none can start at <body> or above it. */
@media (max-width: 640px) {{
  table.notes thead {{ display: none; }}
  table.notes tr {{ display: block; border-bottom: 1px solid var(--study-line); padding: 0.3em 0; }}
  table.notes td {{ display: inline-block; border: 0; padding: 0.1em 0.4em 0.1em 0; }}
  table.notes td.file {{ display: block; font-weight: 650; }}
  table.notes td.actions {{ display: block; }}
  table.notes td[data-label]::before {{ content: attr(data-label) ": "; color: var(--study-muted); }}
  /* every tab fits on the bar (Gradio moves the ones that do not fit behind a "More tabs" menu) */
  .tab-container button {{ padding-left: 7px !important; padding-right: 7px !important; font-size: 15px !important; }}
  h1.title {{ font-size: 1.25em; }}
  /* The chat first, its sources panel under it: the question box stays within reach of the thumb. */
  #sources-col {{ order: 2; }}
  #chat-col {{ order: 1; }}
}}
"""

# The page-wide script, run once. After an answer arrives, the start of the newest answer is brought into view
# (Gradio's chat would scroll to its bottom, past the answer to the last citation).
PAGE_JS = """
const study = window.studyPage = window.studyPage || {};
if (!study.installed) {
  study.installed = true;
  study.answers = 0;
  const scrollable = (el) => { const s = getComputedStyle(el);
    return /(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1; };
  study.showStart = (el, margin) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (scrollable(box)) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - margin;
    }
    const top = el.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 120) window.scrollBy({top: top - Math.min(120, window.innerHeight / 4)});
  };
  const follow = () => {
    const bots = document.querySelectorAll('#chatbot [data-testid="bot"]');
    if (bots.length === study.answers) return;
    const grew = bots.length > study.answers;
    study.answers = bots.length;
    if (!grew) return;
    const last = bots[bots.length - 1];
    const question = document.querySelectorAll('#chatbot [data-testid="user"]');
    const mine = question.length ? question[question.length - 1] : null;
    // the question just asked and the first lines of its answer; the answer's start wins when both do not fit
    requestAnimationFrame(() => requestAnimationFrame(() => {
      study.showStart(mine && last.getBoundingClientRect().top - mine.getBoundingClientRect().top < 160 ? mine : last, 8);
    }));
  };
  new MutationObserver(follow).observe(document.body, {childList: true, subtree: true});
  // Fix-ups of Gradio's own markup that axe-core flags: the suggested questions are a list of buttons without
  // list items (a group, then), and a plot's SVG parts have roles but no names (the plot is one image, named by
  // its label).
  const fixups = () => {
    for (const el of document.querySelectorAll('#chatbot .examples[role="list"]')) {
      el.setAttribute('role', 'group'); el.setAttribute('aria-label', 'Suggested questions');
    }
    for (const svg of document.querySelectorAll('[id^="plot-"] svg.marks')) {
      const block = svg.closest('[id^="plot-"]');
      const label = block.querySelector('[data-testid="block-label"], [data-testid="block-info"], label');
      const name = (label ? label.textContent.trim() : '') || block.innerText.split('\\n')[0].trim() || 'plot';
      if (svg.getAttribute('aria-label') !== name) { svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', name); }
      svg.querySelectorAll('[role], [aria-label], [aria-roledescription]').forEach((g) => {
        g.removeAttribute('role'); g.removeAttribute('aria-label'); g.removeAttribute('aria-roledescription');
      });
    }
  };
  let pending = false;
  new MutationObserver(() => { if (!pending) { pending = true;
    requestAnimationFrame(() => { pending = false; fixups(); }); } })
    .observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['role']});
  document.addEventListener('keydown', (e) => {
    const viewer = document.getElementById('viewer-col');
    if (e.key === 'Escape' && viewer && viewer.hasAttribute('data-open')) {
      e.preventDefault(); window.dispatchEvent(new CustomEvent('study-close'));
    }
  });
}
"""


def page_theme(gr):
    """Gradio's default look with the system fonts: no web font is declared, so none is downloaded."""
    split = lambda stack: [name.strip().strip('"') for name in stack.split(",")]  # noqa: E731
    # Primary buttons one shade darker than the default: white on orange-500 reads at 2.8:1, on orange-700 at 5.2:1.
    return gr.themes.Default(font=split(SANS), font_mono=split(MONO)).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800", button_primary_background_fill_hover_dark="*primary_800",
        button_primary_border_color="*primary_700", button_primary_border_color_dark="*primary_700")
