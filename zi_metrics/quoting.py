"""Data quoted in messages, and data shown as literal text on a page.

Two kinds of output echo values that come from users or files:

* **messages** (a CLI's one line on stderr, a reader's problem, a store refusal, a page's error):
  :func:`shown` / :func:`quoted` give at most ``LIMIT`` (80) characters of the value with every
  control, line-breaking, bidirectional-override and lone-surrogate character escaped
  (``\\x00``, ``\\n``, ``\\u202e``), so a 50 MB cell or a NUL byte never reaches a terminal or a
  log whole, and a message stays one line; :func:`one_line` is the last safety net of a whole
  message (line breaks escaped, length capped);
* **Markdown** (Streamlit's st.markdown, st.caption, alerts, headings and widget labels all render
  Markdown): :func:`markdown_literal` makes stored text (a unit's name, a note, a file name) show
  exactly as typed, never as a link, an image, an emoji or icon shortcode, colour, math or HTML.

Every module that echoes a value in a message goes through here; so does every page that puts data
into Markdown (``ui.display.md_escape`` is :func:`markdown_literal`).
"""

from __future__ import annotations

import math
import re
import reprlib
from typing import Any

LIMIT = 80  # characters of a value a message quotes
MESSAGE_LIMIT = 2000  # characters of a whole message (the last safety net)

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, the bidirectional embedding,
# override and isolate controls (a U+202E in a name would reverse the rest of a terminal line), and
# lone surrogates (which cannot even be encoded to print).
_ESCAPED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_ELLIPSIS = "\u2026"
_REPR = reprlib.Repr()
_REPR.maxstring = LIMIT
_REPR.maxother = LIMIT
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _number_text(value: int | float) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"a number of about {digits:,} digits"
    return str(value)


def text_of(value: Any) -> str:
    """A value as text for a message, without ever building a huge string from a huge object."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return _number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    if isinstance(value, (bytes, bytearray)):
        return _REPR.repr(bytes(value[: LIMIT + 1]))
    return _REPR.repr(value)


def shown(value: Any, limit: int = LIMIT) -> str:
    """``value`` as a message may quote it: at most ``limit`` characters (then "…"), control and
    line-breaking characters escaped. A 50 MB string costs no more than its first ``limit``
    characters."""
    text = text_of(value)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + _ELLIPSIS
    return _ESCAPED.sub(_escape, text)


def quoted(value: Any, limit: int = LIMIT) -> str:
    """Where a message would have used ``repr``: a text :func:`shown` between single quotes,
    anything else (a number, None, a list) :func:`shown` as it is."""
    return f"'{shown(value, limit)}'" if isinstance(value, str) else shown(value, limit)


def one_line(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """A whole message as one line: line breaks and other control characters escaped, at most
    ``limit`` characters (the values inside should already be :func:`shown`)."""
    text = message if isinstance(message, str) else text_of(message)
    if len(text) > limit:
        text = text[: limit - 1] + _ELLIPSIS
    return _ESCAPED.sub(_escape, text)


# ---------------------------------------------------------------------------------------------
# Markdown

# What would make Markdown of plain text, and how it is defused. Backslash escapes (CommonMark lets
# every ASCII punctuation character be escaped) where a character can start a construct anywhere in
# a line: emphasis and code (* _ `), links and images ([ ]), HTML and autolinks (< >), tables (|),
# strikethrough (~), math ($), entities (& before a name and ;), directive attributes ({ }), and
# the backslash itself. Characters that matter only at the start of a line (# headings, - + list
# items, = setext headings, 1. ordered lists, > quotes) are escaped there only. Everything else
# (letters, digits, spaces, . , ; ( ) / ' " ? % -) is left as it is, so ordinary names, numbers and
# dates read the same in the Markdown source as on the page.
_ESCAPE_ANYWHERE = re.compile(r"[\\`*_\[\]<>|~${}]|&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)([#=+\-]|\d{1,9}[.)])")
# GitHub's bare-address links and Streamlit's :emoji:, :streamlit: and :material/icon: shortcodes are
# found in the text after escapes are resolved (an escaped colon still became an emoji in Chromium),
# so escapes cannot stop them: a WORD JOINER (U+2060, invisible, never a line break) after the
# scheme, the "www" or the "@" of an address, and after a colon before a word character, breaks the
# pattern while the text reads the same.
_WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp|www)(?=[:.])|@|:(?=[\w+-])")
_CONTROL_NO_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_FIRST_STRONG_ISOLATE, _POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def _escape_line(line: str) -> str:
    line = _ESCAPE_ANYWHERE.sub(lambda m: "\\" + m.group(), line)
    m = _LINE_START.match(line)
    if m:
        marker = m.group(2)
        escaped = marker[:-1] + "\\" + marker[-1]  # "1\." / "\-" / "\#"
        line = m.group(1) + escaped + line[m.end():]
    return line


def markdown_literal(value: Any, *, multiline: bool = False) -> str:
    """Stored text as literal Markdown: shown exactly as typed, never a link, image, emoji, icon,
    colour, formula, HTML or block (heading, list, quote, table).

    Control characters are shown escaped (``\\x00``); a text holding bidirectional controls
    (U+202E ...) is wrapped in an isolate so it cannot reorder the sentence around it. Line breaks
    become spaces, or hard line breaks with ``multiline``. Use it for every value from data that a
    Markdown-rendering element shows (st.markdown, st.caption, st.info/warning/error/success,
    headings, widget labels, metric values, tabs, expanders, toasts)."""
    text = value if isinstance(value, str) else text_of(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROL_NO_NEWLINE.sub(_escape, text)
    text = _AUTOLINK.sub(lambda m: m.group() + _WORD_JOINER, text)
    if multiline:
        lines = [_escape_line(line.strip()) or _WORD_JOINER for line in text.split("\n")]
        out = "\\\n".join(lines)  # a backslash before the line break: a hard break, one paragraph
    else:
        out = _escape_line(" ".join(text.split("\n")))
    if _BIDI.search(out):
        out = _FIRST_STRONG_ISOLATE + out + _POP_DIRECTIONAL_ISOLATE
    return out


# Characters a link's address keeps as they are; everything else (parentheses, brackets, angle
# brackets, quotes, backslashes, spaces, non-ASCII) is percent-encoded, so the address cannot end
# the Markdown link early and start an image or another link.
_URL_SAFE = "/:?#@!$&*+,;=%-._~"


def markdown_link(url: str, text: str | None = None) -> str:
    """A Markdown link to ``url``, an address the caller has validated (http or https: see
    zi_metrics.followups.valid_url), with ``text`` (default: the address) as literal text."""
    from urllib.parse import quote

    if not re.match(r"(?i)https?://", url):
        raise ValueError("markdown_link takes a validated http(s) address")
    return f"[{markdown_literal(url if text is None else text)}]({quote(url, safe=_URL_SAFE)})"


__all__ = ["LIMIT", "MESSAGE_LIMIT", "markdown_link", "markdown_literal", "one_line", "quoted", "shown",
           "text_of"]
