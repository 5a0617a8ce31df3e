"""What learners and instructors write: Markdown source, rendered to safe HTML.

The source text is what is stored (edits, history and xAPI ``result.response`` keep the
words people wrote); HTML is derived and may be cached. markdown-it-py's ``js-default``
preset is used because its Python default (``commonmark``) passes raw HTML through; nh3
then keeps only the tags and attributes below, whatever a future parser change lets by.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from activities.errors import N_, Invalid

#: Longest body accepted, in characters of source (a long reflection is ~1,500 words).
MAX_CHARS = 20_000

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_markdown = MarkdownIt("js-default")
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
# Markdown punctuation that is not words: link targets and code fences must not count.
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


# One sentence per field a caller names, so each language can phrase it whole (Spanish nouns
# take a gender); a field not listed falls back to the sentence with the field's own name.
_NOT_TEXT = {
    "reflection": N_("The reflection must be text."),
    "reply": N_("The reply must be text."),
    "note": N_("The note must be text."),
    "text": N_("The text must be text."),
}
_EMPTY = {
    "reflection": N_("The reflection is empty: write something first."),
    "reply": N_("The reply is empty: write something first."),
    "note": N_("The note is empty: write something first."),
    "text": N_("The text is empty: write something first."),
}
_TOO_LONG = {
    "reflection": N_(
        "The reflection is too long: %(length)s characters, at most %(limit)s. "
        "Shorten it and try again."
    ),
    "reply": N_(
        "The reply is too long: %(length)s characters, at most %(limit)s. Shorten it and try again."
    ),
    "note": N_(
        "The note is too long: %(length)s characters, at most %(limit)s. Shorten it and try again."
    ),
    "text": N_(
        "The text is too long: %(length)s characters, at most %(limit)s. Shorten it and try again."
    ),
}


def clean(
    text: str, *, field: str = "text", max_chars: int = MAX_CHARS, required: bool = True
) -> str:
    """``text`` as it will be stored: line ends normalised and outer blank space trimmed.
    Raises Invalid when it is empty (and ``required``) or longer than ``max_chars``."""
    if not isinstance(text, str):
        raise Invalid(
            _NOT_TEXT.get(field, N_("The %(field)s must be text.")),
            code="not_text",
            params={"field": field},
        )
    source = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if required and not source:
        raise Invalid(
            _EMPTY.get(field, N_("The %(field)s is empty: write something first.")),
            code="empty",
            params={"field": field},
        )
    if len(source) > max_chars:
        raise Invalid(
            _TOO_LONG.get(
                field,
                N_(
                    "The %(field)s is too long: %(length)s characters, at most %(limit)s. "
                    "Shorten it and try again."
                ),
            ),
            code="too_long",
            params={"field": field, "length": len(source), "limit": max_chars},
        )
    return source


def render(source: str) -> str:
    """Safe HTML for ``source``: no raw HTML, no script, only safe links (with ``rel``)."""
    return sanitise(_markdown.render(source))


def sanitise(html: str) -> str:
    """Only the allowed tags, attributes and URL schemes of ``html``; links get ``rel``."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def word_count(source: str) -> int:
    """Words a person wrote in ``source`` (link targets and Markdown marks are not words)."""
    return len(_WORD.findall(_LINK_TARGET.sub("]", source)))
