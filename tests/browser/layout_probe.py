"""In-page checks of what a reader sees, run with ``page.evaluate``: chart labels (Plotly's SVG text)
that overlap one another, leave their chart or are cut by the plot area; HTML text cut by its
container; a page wider than the window; and the wait for Plotly to finish drawing.

Each check returns a list of findings ``{"where", "problem", "text"}`` (empty when all is well);
tests/browser/test_layout_walk.py runs them on every page and slide."""

from __future__ import annotations

# Plotly: every visible <text> of every chart, as drawn (client boxes). Two labels overlap when
# their boxes share more than 2 px both ways; a label must stay inside its chart, and inside the
# plot area when Plotly clips it there (an ancestor with a clip-path rectangle).
CHART_LABELS_JS = r"""
() => {
  const findings = [];
  const shown = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentNode) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
      if (e.getAttribute && e.getAttribute('opacity') === '0') return false;
    }
    return true;
  };
  const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const outside = (a, b, tol) => a.x < b.x - tol || a.y < b.y - tol || a.x + a.w > b.x + b.w + tol ||
                                 a.y + a.h > b.y + b.h + tol;
  const clipBox = (el) => {
    const holder = el.parentNode && el.parentNode.closest ? el.parentNode.closest('[clip-path]') : null;
    if (!holder) return null;
    const m = /url\(["']?#([^)"']+)["']?\)/.exec(holder.getAttribute('clip-path') || '');
    const cp = m && document.getElementById(m[1]);
    const rect = cp && cp.querySelector('rect');
    if (!rect) return null;
    const ctm = holder.getScreenCTM();
    const x = +rect.getAttribute('x') || 0, y = +rect.getAttribute('y') || 0;
    const w = +rect.getAttribute('width'), h = +rect.getAttribute('height');
    const p = new DOMPoint(x, y).matrixTransform(ctm), q = new DOMPoint(x + w, y + h).matrixTransform(ctm);
    return {x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), w: Math.abs(q.x - p.x), h: Math.abs(q.y - p.y)};
  };
  document.querySelectorAll('.js-plotly-plot').forEach((gd, n) => {
    if (!shown(gd) || !gd.querySelector('.main-svg')) return;
    const keyed = gd.closest('[class*="st-key-"]');
    const where = keyed ? (/st-key-([\w-]+)/.exec(keyed.className) || [])[1] : 'chart ' + (n + 1);
    const frame = box(gd);
    const labels = [];
    gd.querySelectorAll('svg text').forEach((t) => {
      if (!t.textContent.trim() || !shown(t)) return;
      const b = box(t);
      if (b.w >= 1 && b.h >= 1) labels.push({t, b, text: t.textContent.trim().slice(0, 60)});
    });
    for (const a of labels) {
      if (outside(a.b, frame, 1)) {
        findings.push({where, problem: 'chart label outside its chart', text: a.text});
      }
      const clip = clipBox(a.t);
      if (clip && outside(a.b, clip, 1)) {
        findings.push({where, problem: 'chart label cut by the plot area', text: a.text});
      }
    }
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i].b, b = labels[j].b;
        const ix = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
        const iy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
        if (ix > 2 && iy > 2) {
          findings.push({where, problem: 'chart labels overlap', text: labels[i].text + ' | ' + labels[j].text});
        }
      }
    }
  });
  return findings;
}
"""

# HTML: every element that holds text itself (a text node child), inside the app's main area, the
# sidebar and open popovers. Its text is cut when the element hides its own overflow (or ends in an
# ellipsis) and the text is larger than the element, or when the text runs past the nearest
# ancestor that hides or scrolls its overflow (a scroll container only counts sideways: reading
# a page by scrolling down is normal, reading a line by scrolling sideways is not). And no emoji
# anywhere in their text.
HTML_TEXT_JS = r"""
() => {
  const findings = [];
  const roots = document.querySelectorAll(
    '[data-testid="stMain"], [data-testid="stSidebar"], [data-testid="stPopoverBody"]');
  const hidesX = (cs) => ['hidden', 'clip'].includes(cs.overflowX);
  const hidesY = (cs) => ['hidden', 'clip'].includes(cs.overflowY);
  const scrollsX = (cs) => ['auto', 'scroll'].includes(cs.overflowX);
  const seen = new Set();
  // charts (checked above), the data grid (a canvas), closed expanders, hidden helpers
  const SKIP = 'svg, canvas, [data-testid="stDataFrame"], [data-testid="stDataFrameResizable"], ' +
               'details:not([open]), [aria-hidden="true"], [hidden], script, style';
  for (const root of roots) {
    if (root.getAttribute('aria-expanded') === 'false') continue;
    for (const e of root.querySelectorAll('*')) {
      if (seen.has(e)) continue;
      seen.add(e);
      if (e.closest(SKIP)) continue;
      const own = [...e.childNodes].filter((c) => c.nodeType === 3 && c.textContent.trim());
      if (!own.length) continue;
      const rect = e.getBoundingClientRect();
      if (rect.width <= 2 || rect.height <= 2) continue;  // empty, or text for screen readers only
      const cs = getComputedStyle(e);
      if (cs.visibility === 'hidden' || cs.display === 'none') continue;
      const text = e.textContent.trim().replace(/\s+/g, ' ').slice(0, 80);
      const where = (e.closest('[data-testid]') || e).getAttribute('data-testid') || e.tagName;
      if ((hidesX(cs) || cs.textOverflow === 'ellipsis') && e.scrollWidth > e.clientWidth + 1) {
        findings.push({where, problem: 'text cut at its right edge', text});
        continue;
      }
      if (hidesY(cs) && e.scrollHeight > e.clientHeight + 1) {
        findings.push({where, problem: 'text cut at its bottom edge', text});
        continue;
      }
      const range = document.createRange();
      range.selectNodeContents(e);
      const r = range.getBoundingClientRect();
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const acs = getComputedStyle(a);
        if (!(hidesX(acs) || hidesY(acs) || scrollsX(acs))) continue;
        const ab = a.getBoundingClientRect();
        if (ab.width === 0 || ab.height === 0) break;
        const pastX = r.left < ab.left - 1 || r.right > ab.right + 1;
        const pastY = r.top < ab.top - 1 || r.bottom > ab.bottom + 1;
        if ((hidesX(acs) || scrollsX(acs)) && pastX) {
          findings.push({where, problem: 'text runs past its container sideways', text});
        } else if (hidesY(acs) && pastY) {
          findings.push({where, problem: 'text cut by its container', text});
        }
        break;
      }
    }
  }
  // icons are Material Symbols (a font the app serves) or text marks (✓ ✗ →): an emoji needs an
  // emoji font, which many machines lack (a box where the icon should be)
  const emoji = /\p{Extended_Pictographic}/u;
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (emoji.test(n.textContent) && n.parentElement && !n.parentElement.closest('script, style')) {
        findings.push({where: 'text', problem: 'emoji (needs an emoji font)', text: n.textContent.trim().slice(0, 60)});
      }
    }
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    findings.push({where: 'page', problem: 'the page is wider than the window', text: doc.scrollWidth + ' px'});
  }
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth + 1) {
    findings.push({where: 'stMain', problem: 'the main area scrolls sideways', text: main.scrollWidth + ' px'});
  }
  return findings;
}
"""

# True once every Plotly chart on the page is drawn at its container's current width (after a
# resize, Plotly relayouts responsive charts asynchronously).
CHARTS_DRAWN_JS = r"""
() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every((c) => {
  const gd = c.querySelector('.js-plotly-plot');
  if (!gd || !gd.querySelector('.main-svg') || !gd._fullLayout) return false;
  return Math.abs(gd._fullLayout.width - gd.getBoundingClientRect().width) < 2;
})
"""

# The smallest font size (px) of visible text inside ``selector``, and the text that has it.
SMALLEST_TEXT_JS = r"""
(selector) => {
  let smallest = null;
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      if (!el || el.closest('[aria-hidden="true"], script, style')) continue;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      // not drawn, or text for screen readers only (a 1 px box)
      if (r.width <= 2 || r.height <= 2 || cs.visibility === 'hidden' || cs.display === 'none') continue;
      const svgText = el.closest('text');
      const px = parseFloat(getComputedStyle(svgText || el).fontSize);
      if (smallest === null || px < smallest.px) smallest = {px, text: n.textContent.trim().slice(0, 60)};
    }
  }
  return smallest;
}
"""
