"""Remove a note, asking first: the Yes / Cancel the Notes table and the sources panel both show beside a note, and
the page script behind it. Only Yes reaches the server; Escape or Cancel puts the Remove button back, focused.
"""
from __future__ import annotations

from .render import esc


def confirm_html(name: str) -> str:
    """The hidden question shown in place of a note's Remove button."""
    return (f'<span class="confirm" hidden><span class="confirm-q">Remove {esc(name)} from your notes?</span> '
            '<button type="button" class="danger" data-action="yes">Yes, remove</button> '
            '<button type="button" data-action="cancel">Cancel</button></span>')


def confirm_js(row: str, send: str) -> str:
    """The script for a component whose notes sit in elements matching ``row`` (each with data-source and a
    button[data-action="ask"]); ``send`` is the JavaScript that tells the server which ``row`` to remove."""
    return """
element.addEventListener('click', (e) => {
  const button = e.target.closest && e.target.closest('button[data-action]');
  if (!button) return;
  const row = button.closest('ROW');
  const ask = row.querySelector('.confirm');
  const again = row.querySelector('button[data-action="ask"]');
  const action = button.dataset.action;
  if (action === 'ask') {
    again.hidden = true; ask.hidden = false;
    ask.querySelector('button[data-action="yes"]').focus();
  } else if (action === 'cancel') {
    ask.hidden = true; again.hidden = false; again.focus();
  } else if (action === 'yes') {
    ask.querySelector('.confirm-q').textContent = 'Removing…';
    ask.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    SEND;
  }
});
element.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  const ask = e.target.closest && e.target.closest('.confirm');
  if (ask) { e.stopPropagation(); ask.querySelector('button[data-action="cancel"]').click(); }
});
""".replace("ROW", row).replace("SEND", send)
