"""The Review tab's scripts in the page: Anki's keys (Space, Enter, 1-4), the card kept in view, and the way back
to the section picker once a sitting is done."""

# Keys while the Review tab shows and no text field has focus: Space / Enter shows the answer, then takes the
# pre-selected rating; 1-4 rate. After each update the verdict (or the new question) is scrolled into view, and
# someone who types replies finds the reply box focused for the next card.
KEYS_JS = """
const review = window.studyReview = window.studyReview || {};
if (!review.keys) {
  review.keys = true;
  const shown = (el) => !!el && el.getClientRects().length > 0;
  const typing = (t) => !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  document.addEventListener('click', (e) => {
    if (e.target.closest && e.target.closest('#review-show')) review.typing = false;
    if (e.target.closest && e.target.closest('#review-input')) review.typing = true;
  }, true);
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.key === 'Enter' && e.target.closest && e.target.closest('#review-input')) { review.typing = true; return; }
    if (typing(e.target) || !shown(document.getElementById('review-card'))) return;
    const rating = shown(document.getElementById('rate-1'));
    let button = null;
    if (/^[1-4]$/.test(e.key)) button = rating ? document.getElementById('rate-' + e.key) : null;
    else if (e.key === ' ' || e.key === 'Enter')
      button = rating ? document.querySelector('#review-ratings button.primary') : document.getElementById('review-show');
    if (!shown(button)) return;
    e.preventDefault();
    // one key per update: a second key before the page has answered would land on the card already rated
    if (e.repeat || Date.now() < (review.busyUntil || 0)) return;
    review.busyUntil = Date.now() + 3000;
    if (button.id === 'review-show') review.typing = false;
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    button.click();
  }, true);
}
// Keys are taken again once the page has settled on what the update brought: Gradio shows the new card before it
// shows or hides the rows of buttons, and a key in between would land on the old rows (Space just after a rating
// would rate the rated card again, and be lost).
watch('value', () => {
  const shown = (el) => !!el && el.getClientRects().length > 0;
  const settled = () => {
    const answered = !!element.querySelector('.grade'), asking = !!element.querySelector('.card-q');
    return shown(document.getElementById('rate-1')) === answered &&
      (!asking || shown(document.getElementById('review-show')) === !answered);
  };
  const after = (tries) => setTimeout(() => {
    if (!settled() && tries > 0) return after(tries - 1);
    review.busyUntil = 0;
    const seen = element.querySelector('.grade') || element.querySelector('.card-q');
    if (seen) {
      const r = seen.getBoundingClientRect();
      if (r.top < 0 || r.bottom > window.innerHeight) {
        const note = document.getElementById('review-notice');
        const top = (note && note.getClientRects().length ? note : element).getBoundingClientRect().top;
        window.scrollTo({top: Math.max(0, window.scrollY + top - 8)});
      }
    }
    const box = document.querySelector('#review-input textarea');
    if (review.typing && box && element.querySelector('.card-q') && !element.querySelector('.grade')) box.focus();
  }, 50);
  after(40);  // two seconds at most
});
"""


# "Pick another section": back up to the picker, its list open.
PICK_JS = """() => {
  const box = document.querySelector('#review-section input');
  if (!box) return;
  box.scrollIntoView({block: 'center'});
  box.focus();
  box.click();
}"""
