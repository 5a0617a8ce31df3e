"""Is the statement an LRS holds under an id the one we sent? Equality as xAPI 1.0.3 defines
it for immutability and signed statements (Data §2.3.1, §2.4.5, §2.4.7, §4.5): leave out what
the LRS sets (``stored``, ``authority``, ``version``, attachments' content), and compare by
value what the LRS may re-serialise — timestamps (same instant, to the millisecond),
durations (same span, to 0.01 s), case where it is not significant (UUIDs, the ``mailto:``
scheme, IRIs' scheme and host, language tags), a single context activity as a list of one,
default ``objectType``s and empty properties. Hand-written: neither tincan nor ralph offers
statement comparison."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

# Set or replaced by the LRS (§2.4: id, stored, authority, version); attachments are
# compared by the sha2 inside their own objects, which the LRS keeps.
_IGNORED = frozenset({"id", "stored", "authority", "version", "attachments"})
# objectType values an LRS may add or drop because they are the default.
_DEFAULT_TYPES = frozenset({"Agent", "Activity"})
_LANGUAGE_MAPS = frozenset({"display", "name", "description"})
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)$", re.DOTALL)
_DURATION = re.compile(
    r"^P(?:(?P<Y>\d+(?:[.,]\d+)?)Y)?(?:(?P<MO>\d+(?:[.,]\d+)?)M)?(?:(?P<W>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<D>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<H>\d+(?:[.,]\d+)?)H)?(?:(?P<MI>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<S>\d+(?:[.,]\d+)?)S)?)?$"
)


def same_statement(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """True when ``theirs`` (read back from the LRS) is ``ours`` give or take what the LRS
    may add or reformat."""
    same: bool = _statement(ours) == _statement(theirs)
    return same


def _statement(statement: dict[str, Any]) -> Any:
    kept = {key: value for key, value in statement.items() if key not in _IGNORED}
    return _normal(kept, "")


def _normal(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if key in _LANGUAGE_MAPS and all(isinstance(v, str) for v in value.values()):
            return {tag.lower(): text for tag, text in value.items()}  # RFC 5646: any case
        if key == "contextActivities":
            value = {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        if key == "object" and value.get("objectType") == "SubStatement":
            value = {k: v for k, v in value.items() if k not in _IGNORED}
        return {
            _text(name): _normal(item, name)
            for name, item in value.items()
            if not (name == "objectType" and item in _DEFAULT_TYPES) and item not in ({}, [], None)
        }
    if isinstance(value, list):
        return [_normal(item, key) for item in value]
    if isinstance(value, str):
        if key == "timestamp":
            return _instant(value)
        if key == "duration":
            return _span(value)
        return _text(value)
    return value


def _text(value: str) -> str:
    if _UUID.match(value):
        return value.lower()
    if value[:7].lower() == "mailto:":
        return "mailto:" + value[7:]
    iri = _IRI.match(value)
    if iri:  # RFC 3986 §6.2.2.1: scheme and host are case-insensitive, the rest is not
        scheme, authority, rest = iri.groups()
        userinfo, at, host = authority.rpartition("@")
        return f"{scheme.lower()}://{userinfo}{at}{host.lower()}{rest}"
    return value


def _instant(value: str) -> Any:
    """The same point in time, to the millisecond (§2.4.7: finer precision is not compared)."""
    try:
        when = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return value
    if when.tzinfo is None:
        return value  # no offset: not an instant we can compare by value
    when = when.astimezone(UTC)
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _span(value: str) -> Any:
    """The same time span, to 0.01 s (§2.4.5). Years and months stay apart (their length
    varies); weeks, days, hours and minutes become seconds, so PT12M03.25S == PT12M3.25S."""
    match = _DURATION.match(value.upper())
    if not match or value.upper() in ("P", "PT"):
        return value
    part = {k: Decimal((v or "0").replace(",", ".")) for k, v in match.groupdict().items()}
    seconds = (
        part["W"] * 604800 + part["D"] * 86400 + part["H"] * 3600 + part["MI"] * 60 + part["S"]
    )
    return ("duration", part["Y"], part["MO"], seconds.quantize(Decimal("0.01"), ROUND_DOWN))
