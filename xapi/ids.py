"""Deterministic identifiers: statement ids, registrations and activity IRIs.

UUIDv5 (name-based) ids make a retry or a replay of the same interaction produce the same
statement id, so the LRS deduplicates instead of counting it twice.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from xapi.vocabulary import BASE

# Fixed namespaces, derived from our base IRI. Changing them would change every id ever sent.
STATEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/ids/statement")
REGISTRATION_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/ids/registration")
ACTIVITY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/ids/activity")

# A unit separator cannot appear in ids from LTI or our database, so joined parts never collide
# ("a|b", "c" vs "a", "b|c").
_SEP = "\x1f"


def _name(*parts: object) -> str:
    return _SEP.join(str(part) for part in parts)


def statement_id(row_kind: str, row_id: object, verb_iri: str) -> uuid.UUID:
    """The statement id for one interaction: which table row, which row, which verb."""
    if not row_kind or row_id is None or str(row_id) == "":
        raise ValueError("a statement id needs the kind of row and the row id")
    return uuid.uuid5(STATEMENT_NAMESPACE, _name(row_kind, row_id, verb_iri))


def registration_id(issuer: str, account_name: str, placement_id: str) -> uuid.UUID:
    """One registration per learner per placement (LTI resource link).

    Pass the account name as sent in the actor (the pseudonym when pseudonymising), so the
    registration cannot be recomputed from a raw LTI ``sub``.
    """
    return uuid.uuid5(REGISTRATION_NAMESPACE, _name(issuer, account_name, placement_id))


def scoped_key(*parts: str) -> str:
    """An opaque, stable path segment for LMS-scoped ids (course, placement) in an IRI."""
    return str(uuid.uuid5(ACTIVITY_NAMESPACE, _name(*parts)))


def activity_iri(tool_url: str, kind: str, key: object) -> str:
    """The IRI of one of our activities, e.g. ``https://tool/xapi/activities/post/42``."""
    return f"{tool_url.rstrip('/')}/xapi/activities/{kind}/{quote(str(key), safe='')}"
