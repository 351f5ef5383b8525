"""Telegram HTML parse mode: visible text, entities, and the errors Telegram gives."""

from __future__ import annotations

import pytest

from emulator.errors import ApiError
from emulator.html import parse_html, trim


def test_visible_text_and_entities() -> None:
    parsed = parse_html(
        '<b>粗</b> <i>i</i> <a href="https://x.org/?a=1&amp;b=2">link</a> &lt;&gt;'
    )
    assert parsed.text == "粗 i link <>"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "italic", "offset": 2, "length": 1},
        {"type": "text_link", "url": "https://x.org/?a=1&b=2", "offset": 4, "length": 4},
    ]


def test_offsets_count_utf16_units() -> None:
    parsed = parse_html("😀<b>x</b>&#128512;&#x41;&quot;")
    assert parsed.text == '😀x😀A"'
    assert parsed.entities == [{"type": "bold", "offset": 2, "length": 1}]


def test_nested_spoiler_pre_code_and_blockquote() -> None:
    parsed = parse_html(
        '<b><u>a</u></b><span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>'
        '<pre><code class="language-python">x=1</code></pre><blockquote>q</blockquote>'
    )
    assert parsed.text == "astx=1q"
    types = [(e["type"], e["offset"], e["length"]) for e in parsed.entities]
    assert ("bold", 0, 1) in types and ("underline", 0, 1) in types
    assert ("spoiler", 1, 1) in types and ("spoiler", 2, 1) in types
    assert ("blockquote", 6, 1) in types
    pre = next(e for e in parsed.entities if e["type"] == "pre")
    assert pre["language"] == "python" and (pre["offset"], pre["length"]) == (3, 3)


def test_trim_keeps_entities_aligned() -> None:
    parsed = trim(parse_html("\n  <b> 粗体 </b>x \n"))
    assert parsed.text == "粗体 x"
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": 3}]


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("a < b", "Unsupported start tag"),
        ("1 & 2", "Character '&'"),
        ("&nbsp;", "Character '&'"),
        ("line<br>break", 'Unsupported start tag "br"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<b>x", "Can't find end tag"),
        ("x</b>", "Unexpected end tag"),
        ('<a href="x', "Unclosed start tag"),
        ('<span class="red">x</span>', "tg-spoiler"),
    ],
)
def test_bad_markup_is_rejected(markup: str, fragment: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(markup)
    assert caught.value.code == 400
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert fragment in caught.value.description
