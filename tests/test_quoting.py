"""zi_metrics.quoting: values quoted in messages (short, escaped) and data as literal Markdown."""

from __future__ import annotations

import re
import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

from zi_metrics.quoting import LIMIT, markdown_literal, one_line, quoted, shown

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def test_shown_keeps_at_most_80_characters_of_a_huge_value():
    value = "x" * 50_000_000
    tracemalloc.start()
    try:
        text = shown(value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert text == "x" * (LIMIT - 1) + "\u2026"
    assert peak < 1_000_000  # no copy of the 50 MB value


def test_control_characters_are_escaped_never_printed():
    assert shown("a\x00b\nc\rd\te\x1bf\x7fg\x85h") == "a\\x00b\\nc\\rd\\te\\x1bf\\x7fg\\x85h"
    assert shown("L\u2028P\u2029") == "L\\u2028P\\u2029"
    assert shown("\u202eevil\u202c") == "\\u202eevil\\u202c"  # a right-to-left override
    assert shown("lone \ud800 surrogate") == "lone \\ud800 surrogate"
    assert shown("Dinas Kependudukan dan Pencatatan Sipil") == "Dinas Kependudukan dan Pencatatan Sipil"


@given(st.text(max_size=400))
def test_shown_is_one_short_printable_line(value):
    text = shown(value)
    assert not CONTROL.search(text)
    assert len(text.splitlines()) <= 1
    text.encode("utf-8")  # never a lone surrogate
    # at most LIMIT characters of the value (an escape spells one character in up to 6)
    assert len(text) <= 6 * LIMIT


def test_values_that_are_not_text():
    assert quoted("abc") == "'abc'" and quoted(9) == "9" and quoted(None) == "None" and quoted(2.5) == "2.5"
    assert shown(10**100_000) == "a number of about 100,001 digits"  # str() would raise here
    assert len(shown(list(range(1_000_000)))) <= LIMIT
    assert len(shown(b"\x00" * 10_000_000)) <= LIMIT


def test_one_line_caps_a_whole_message():
    message = one_line("import: " + "z" * 10_000 + "\nsecond line")
    assert len(message) == 2000 and "\n" not in message and message.endswith("\u2026")
    assert one_line("a\nb") == "a\\nb"


# ---------------------------------------------------------------------------------------------
# Markdown (what Streamlit renders) — the browser test renders these in Chromium and reads them back

ALWAYS = set("\\`*_[]<>|~${}")


def _unescaped(text: str, chars: set[str]) -> list[int]:
    """Positions of ``chars`` not preceded by an escaping backslash."""
    bad, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 2
            continue
        if text[i] in chars:
            bad.append(i)
        i += 1
    return bad


@given(st.text(max_size=300))
def test_no_markdown_construct_survives(value):
    for multiline in (False, True):
        out = markdown_literal(value, multiline=multiline)
        assert not _unescaped(out, ALWAYS), (value, out)
        if not multiline:
            assert "\n" not in out  # one line: no block (heading, list, quote, table) can start
        for line in out.split("\n"):
            line = line.lstrip("\u2068 \t")
            assert not re.match(r"[#=+\-]|\d{1,9}[.)]", line), (value, line)  # no block at a line start
        assert not re.search(r"(?i)(https?|ftp|mailto|www)[:.]", out)  # no bare address pattern
        assert not re.search(r"@[^\u2060]", out)  # no e-mail pattern
        assert not re.search(r":[\w+-]", out)  # no :shortcode:, :material/icon:, :colour[...]
        assert not re.search(r"(?<!\\)&#?\w+;", out)  # no HTML entity


def test_markdown_literal_examples():
    assert markdown_literal("Itjen Kemendesa") == "Itjen Kemendesa"
    # ordinary names, numbers and dates are left as they are
    for plain in ("Dit. Perencanaan PKT", "92,44", "Biro (Umum) 30/09/2026 - 50%", "Status: selesai"):
        assert markdown_literal(plain) == plain
    assert markdown_literal("[klik](http://evil.example)") == "\\[klik\\](http\u2060://evil.example)"
    assert markdown_literal("www.evil.example") == "www\u2060.evil.example"
    assert markdown_literal("a@b.co") == "a@\u2060b.co"
    assert markdown_literal(":smile: $x$ :material/home:") == ":\u2060smile: \\$x\\$ :\u2060material/home:"
    assert markdown_literal("a\x00b") == "a\\\\x00b"  # shown as the text a\x00b
    assert markdown_literal("\u202egnp.exe") == "\u2068\u202egnp.exe\u2069"  # isolated: cannot flip the line
    assert markdown_literal("- satu\n1. dua") == "\\- satu 1. dua"
    assert markdown_literal("baris 1\n\n- baris 3", multiline=True) == "baris 1\\\n\u2060\\\n\\- baris 3"
    assert markdown_literal("AT&amp;T & co") == "AT\\&amp;T & co"
