"""ui.display.html_table: the light table pages redraw on every rerun (the what-if rules)."""

from __future__ import annotations

from html.parser import HTMLParser

from ui.display import html_table


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, dict[str, str | None], str]] = []
        self.tags: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("th", "td"):
            self._open, self._text = (tag, dict(attrs)), []

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            self.cells.append((*self._open, "".join(self._text)))
            self._open = None

    def handle_data(self, data):
        if self._open:
            self._text.append(data)


def test_cells_are_text_never_markup():
    hostile = '<img src=x onerror="alert(1)"> & <b>bold</b> | **not bold**'
    tree = _Tree()
    tree.feed(html_table(["Aturan", "Nilai"], [[hostile, "1.234,56"]], right=(1,)))
    assert "img" not in tree.tags and "b" not in tree.tags  # no element from a cell's text
    assert [c[2] for c in tree.cells] == ["Aturan", "Nilai", hostile, "1.234,56"]


def test_header_cells_are_column_headers_and_number_columns_align_right():
    tree = _Tree()
    tree.feed(html_table(["a", "b", "c"], [["x", "1,00", "2,00"], ["y", "3,00", "4,00"]], right=(1, 2)))
    assert tree.tags[0] == "table"
    header = [c for c in tree.cells if c[0] == "th"]
    assert [c[1].get("scope") for c in header] == ["col"] * 3
    body = [c for c in tree.cells if c[0] == "td"]
    assert [c[1].get("class") for c in body] == [None, "zi-num", "zi-num"] * 2
    assert [c[2] for c in body] == ["x", "1,00", "2,00", "y", "3,00", "4,00"]
