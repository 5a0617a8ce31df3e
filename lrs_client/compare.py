"""Is the statement an LRS holds under an id the one we sent? (xAPI 1.0.3 §2.3.1: compare
without the properties the LRS sets or may reformat.) Hand-written: neither tincan nor ralph
offers statement comparison."""

from __future__ import annotations

from typing import Any

# Set by the LRS (stored, authority, version) or legitimately reformatted by it (timestamp's
# precision and offset); attachments are compared by their hash inside, not here.
_IGNORED = frozenset({"id", "stored", "authority", "version", "timestamp", "attachments"})
# objectType values an LRS may add or drop because they are the default.
_DEFAULT_TYPES = frozenset({"Agent", "Activity"})


def same_statement(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """True when ``theirs`` (read back from the LRS) is ``ours`` give or take what the LRS
    may add or reformat."""
    same: bool = _normal(_compared(ours)) == _normal(_compared(theirs))
    return same


def _compared(statement: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in statement.items() if key not in _IGNORED}


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _normal(item)
            for key, item in value.items()
            if not (key == "objectType" and item in _DEFAULT_TYPES) and item not in ({}, [], None)
        }
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value
