"""What a person sees on the touchscreen, checked in the browser: nothing required is
covered, and every screen is saved as a picture to look at."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

# What must be reachable and visible on every screen: every field (required or not),
# primary and submit buttons, card titles, and the 依据 (law) lines of the
# petitioner's pages.
MUST_SEE = (
    "main input:not([type=hidden]), main select, main textarea, .btn.primary, "
    "button[type=submit], main h1, main h2, .law, [data-testid=anonymous]"
)

# Scrolled into view as a browser does when focusing it ('nearest': the least scroll,
# so a fixed or sticky bar at the edge it lands on would cover it), then the element
# at its centre point must be itself or inside it (or its own label).
_COVERED = """
(sel) => {
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden' || el.closest('[hidden]')) continue;
    // inside a closed <details> (其他操作): out of the way until its summary is opened
    const d = el.closest('details');
    if (d && !d.open && !el.closest('summary')) continue;
    if (!el.getClientRects().length) continue;
    el.scrollIntoView({block: 'nearest', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    const own = hit && (hit === el || el.contains(hit) ||
      (el.labels && Array.from(el.labels).some(l => l.contains(hit))));
    if (!own) {
      const what = el.tagName + (el.name ? '[name=' + el.name + ']' : '') + ' "' +
        (el.innerText || el.value || '').trim().slice(0, 20) + '"';
      const by = hit ? hit.tagName + '.' + hit.className : 'nothing (off screen)';
      out.push(what + ' covered by ' + by);
    }
  }
  window.scrollTo(0, 0);
  return out;
}
"""


# Raw keys where people read Chinese: a field key (told_deadline), a status (accepted),
# a login id (officer-3) in the visible text of a page.
_KEYS = "request|category|source|reason|accepted|handling|registered|transferred|declined"
_RAW = (
    r"() => (document.body.innerText.match("
    r"/\b[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+\b|\b(?:" + _KEYS + r")\b/g) || [])"
)


class Screens:
    def __init__(self, page: Page, shots: Path, size: str) -> None:
        self.page, self.shots, self.size = page, shots, size
        self.seen: list[str] = []

    def check(self, name: str) -> None:
        """Every required field and button on this screen is uncovered; save a picture."""
        pg = self.page
        pg.wait_for_load_state()
        covered = pg.evaluate(_COVERED, MUST_SEE)
        if covered:  # the whole page, to see what covers what
            pg.screenshot(path=str(self.shots / f"{self.size}-{name}-covered.png"), full_page=True)
        assert not covered, f"{self.size} {name}: {covered}"
        raw = pg.evaluate(_RAW)
        assert not raw, f"{self.size} {name}: raw keys on screen: {raw}"
        pg.screenshot(path=str(self.shots / f"{self.size}-{name}.png"), animations="disabled")
        self.seen.append(name)
