"""Rich text: Markdown rendered without raw HTML or script, limits, word counts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from activities import rich_text
from activities.errors import Invalid

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "<iframe src='https://evil.test'></iframe>",
    "<style>body{display:none}</style>",
    "<div onclick=alert(1)>hi</div>",
    "![x](https://evil.test/track.png)",
    '<svg onload="alert(1)">',
    "<javascript:alert(1)>",
    '[x](https://ok.test "t" onmouseover="alert(1)")',
]


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML (text is inert)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_input_renders_inert(hostile: str) -> None:
    for tag, attrs in elements(rich_text.render(hostile)):
        assert tag in rich_text.ALLOWED_TAGS, (hostile, tag)
        assert not [name for name in attrs if name.startswith("on")], (hostile, attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http:", "https:", "mailto:")), (hostile, href)


def test_the_sanitiser_holds_even_if_the_parser_let_html_through() -> None:
    # nh3 is the second wall: what markdown-it's commonmark preset would have passed.
    html = MarkdownIt("commonmark").render('<a href="javascript:x" onclick="y">z</a><script>')
    cleaned = rich_text.sanitise(html)
    assert "<script" not in cleaned
    assert "javascript:" not in cleaned
    assert "onclick" not in cleaned


def test_raw_html_is_shown_as_text_not_markup() -> None:
    html = rich_text.render("<b>bold</b>")
    assert "<b>" not in html
    assert "&lt;b&gt;" in html


def test_markdown_renders_and_links_get_rel() -> None:
    html = rich_text.render("**Yes** and [a link](https://example.org)\n\n- one\n- two")
    assert "<strong>Yes</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert "<li>one</li>" in html


def test_clean_trims_and_refuses_empty() -> None:
    assert rich_text.clean("  hello\r\nworld \n") == "hello\nworld"
    with pytest.raises(Invalid) as refused:
        rich_text.clean("   \n ")
    assert refused.value.code == "empty"


def test_huge_input_is_refused_with_a_clear_message() -> None:
    with pytest.raises(Invalid) as refused:
        rich_text.clean("word " * 10_000, field="reflection")
    assert refused.value.code == "too_long"
    assert "at most 20,000" in refused.value.text
    assert "reflection" in refused.value.text
    assert refused.value.params == {"field": "reflection", "length": 49_999, "limit": 20_000}


def test_huge_input_still_renders_quickly_and_safely() -> None:
    nested = "> " * 5_000 + "<script>x</script>"
    assert "<script" not in rich_text.render(nested)


def test_not_text_is_invalid() -> None:
    with pytest.raises(Invalid):
        rich_text.clean(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("", 0),
        ("One two three", 3),
        ("**Bold** _it_ `code`", 3),
        ("See [the article](https://example.org/a-long/path?x=1) now", 4),
        ("It's a well-known idea — really.", 5),
        ("¿Cómo lo aplicarías mañana?", 4),
    ],
)
def test_word_count(source: str, words: int) -> None:
    assert rich_text.word_count(source) == words
