"""Where a placement's key travels in the link an LMS keeps: the deep-link item's ``custom``
value and the item's URL (``…/lti/launch/p/<key>``).

Both, because LMSs differ: most keep ``custom`` (and copy it with a course), Chamilo drops it but
launches the item's URL as its ``target_link_uri``. A path segment, not a query string, since
several LMSs drop or mangle a launch URL's query. The URL is read only from the signed
``target_link_uri``, never from the URL the launch was posted to.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lti_tool.lti.claims import PLACEMENT_PARAM

#: The tool's launch path; a placement's link adds ``/p/<key>`` to it.
LAUNCH_PATH = "/lti/launch"
PLACEMENT_PREFIX = LAUNCH_PATH + "/p/"
#: What a placement key can look like (ours are 32 hex digits; kept loose for older rows).
_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def placement_url(base_url: str, key: str) -> str:
    """The launch URL of the placement ``key``: the deep-link item's ``url``."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a placement key: {key!r}")
    return f"{base_url.rstrip('/')}{PLACEMENT_PREFIX}{key}"


def key_from_url(url: object, base_url: str) -> str | None:
    """The placement key in ``url`` when it is one of this tool's placement URLs, else None."""
    if not isinstance(url, str):
        return None
    try:
        parts, base = urlsplit(url), urlsplit(base_url)
        same_origin = (parts.scheme, parts.hostname, parts.port) == (
            base.scheme,
            base.hostname,
            base.port,
        )
    except ValueError:
        return None
    prefix = base.path.rstrip("/") + PLACEMENT_PREFIX
    if not same_origin or not parts.path.startswith(prefix):
        return None
    key = parts.path.removeprefix(prefix).rstrip("/")
    return key if _KEY.fullmatch(key) else None


def launch_key(custom: dict[str, Any], target_link_uri: str | None, base_url: str) -> str | None:
    """The placement a launch names: its ``custom`` value (platforms that keep it, or a key an
    instructor typed in), else the key in its ``target_link_uri``; None when neither has one."""
    value = custom.get(PLACEMENT_PARAM)
    if value:
        return str(value)
    return key_from_url(target_link_uri, base_url)
