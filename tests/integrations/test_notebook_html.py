"""Notebook reprs: ``Array.info``, ``Group.info`` and ``Group.tree()`` as HTML, parsed."""

from __future__ import annotations

from html.parser import HTMLParser

import zarr_core

VOID = {"br", "hr", "img", "meta", "input", "col"}


class Parsed(HTMLParser):
    """Records tags, checks they nest properly, and collects the text."""

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def rows(parsed: Parsed) -> dict[str, str]:
    # info tables alternate a name cell and a value cell
    return dict(zip(parsed.text[0::2], parsed.text[1::2]))


def hierarchy():
    root = zarr_core.group(zarr_format=3)
    root.create_group("a").zeros("x", shape=(10, 4), chunks=(5, 2), dtype="i2")
    root.create_group("b")
    return root


def test_array_info_is_a_table_of_its_items():
    array = hierarchy()["a/x"]
    parsed = Parsed(array.info._repr_html_())
    assert not parsed.stack and "table" in parsed.tags and "script" not in parsed.tags
    table = rows(parsed)
    assert table["Name"] == "/a/x" and table["Shape"] == "(10, 4)"
    assert table["Chunk shape"] == "(5, 2)" and table["Data type"] == "int16"


def test_group_info_and_tree():
    root = hierarchy()
    info = Parsed(root.info._repr_html_())
    assert not info.stack and "script" not in info.tags
    assert rows(info)["Name"] == "/"
    tree = Parsed(root.tree()._repr_html_())
    assert not tree.stack and "script" not in tree.tags
    assert "details" in tree.tags
    text = " ".join(tree.text)
    for name in ("a", "b", "x"):
        assert name in text
    assert "(10, 4) int16" in text
    assert Parsed(root._repr_html_()).tags == info.tags  # the group itself shows its info
