"""Statements as the JSON an LRS receives, for xAPI 1.0.3 or 2.0.0."""

from __future__ import annotations

from typing import Any

from tincan import Statement

# The newest xAPI version tincan serialises: the body's shape, not a choice of what to send.
TINCAN_FORMAT = "1.0.3"


def _pruned(value: Any) -> Any:
    """``value`` without nulls, empty objects and empty arrays, at any depth.

    tincan leaves some (e.g. ``"member": []`` on an identified Group), and strict LRSs reject
    or mis-store them. Booleans, zeros and extension values that are falsy stay.
    """
    if isinstance(value, dict):
        out = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in out.items() if item is not None and item != {}
                and item != []}  # fmt: skip
    if isinstance(value, list):
        return [item for item in (_pruned(x) for x in value) if item is not None]
    return value


def to_json(statement: Statement, version: str = TINCAN_FORMAT) -> dict[str, Any]:
    """The statement as a JSON-ready dict whose ``version`` property is ``version``.

    1.0.3 statements are also valid 2.0.0 statements (IEEE 9274.1.1) apart from the
    ``version`` property and the request header, which the LRS client sets per LRS; our
    timestamps always carry an offset, which 2.0.0 requires. Which versions may be sent is
    ``lrs_client.versions`` (checked where an LRS is configured), so it is not checked here.
    """
    body: dict[str, Any] = _pruned(statement.as_version(TINCAN_FORMAT))
    body["version"] = version
    return body
