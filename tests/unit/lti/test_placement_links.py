"""Reading and writing a placement's key in the link URL (``lti.placement_links``)."""

from __future__ import annotations

import pytest

from lti_tool.lti.placement_links import key_from_url, launch_key, placement_url

BASE = "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (f"{BASE}/lti/launch/p/abc123", "abc123"),
        (f"{BASE}/lti/launch/p/abc123/", "abc123"),
        (f"{BASE}/lti/launch", None),
        (f"{BASE}/lti/launch/p/", None),
        (f"{BASE}/lti/launch/p/a/b", None),
        (f"{BASE}/lti/launch/p/a%20b", None),
        ("https://evil.example.test/lti/launch/p/abc123", None),
        ("http://127.0.0.1:5001/lti/launch/p/abc123", None),
        (None, None),
    ],
)
def test_keys_are_read_only_from_our_placement_urls(url: str | None, key: str | None) -> None:
    assert key_from_url(url, BASE) == key


def test_a_base_url_with_a_path_keeps_it() -> None:
    base = "https://tools.example.edu/peerloop/"
    url = placement_url(base, "k1")
    assert url == "https://tools.example.edu/peerloop/lti/launch/p/k1"
    assert key_from_url(url, base) == "k1"
    assert key_from_url("https://tools.example.edu/lti/launch/p/k1", base) is None
    assert launch_key({}, url, base) == "k1"
    assert launch_key({"peerloop_placement": "typed"}, url, base) == "typed"
    with pytest.raises(ValueError, match="not a placement key"):
        placement_url(base, "a/b")
