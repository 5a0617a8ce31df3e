"""Which page a placement's launch shows, by its ``kind``.

The activity frame must not import a feature (features are rooms of their own), so each
feature registers its page here from its blueprint module, which ``lti_tool.app`` imports;
a kind nobody registered gets the frame's own page.
"""

from __future__ import annotations

from collections.abc import Callable

from activities.placements import Placement
from lti_tool.lti.context import LaunchContext

#: ``page(launch, launch_token, placement)`` → the page's HTML.
PageFunction = Callable[[LaunchContext, str, Placement], str]

_pages: dict[str, PageFunction] = {}


def register(kind: str, page: PageFunction) -> None:
    """Show ``page`` for launches of placements of ``kind`` (the last registration wins)."""
    _pages[kind] = page


def page_for(kind: str) -> PageFunction | None:
    return _pages.get(kind)
