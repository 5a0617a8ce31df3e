"""The learner's forms, read into plain values. A mistake a person can fix (empty, too long)
comes back as a field error on the page with what they wrote kept; anything else a page of
ours would never send (an unknown reaction, a malformed cursor) is refused or ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import format_number
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from activities.reflection.models import REACTION_KINDS
from activities.reflection.operations import MAX_REPLY_CHARS, MAX_WHY_CHARS
from activities.reflection.queries import Cursor
from activities.rich_text import MAX_CHARS
from lti_tool.errors import UserFacingError

#: The form's one-time token: what our pages put in it (hex), at most the column's size.
_CLIENT_TOKEN = re.compile(r"^[0-9a-f]{16,64}$")
_CURSOR = re.compile(r"^(\d{1,19})\.(\d{1,10})$")
#: The largest id a cursor may name (the column's range).
_MAX_ID = 2**31 - 1


def _text(form: MultiDict[str, str], name: str) -> str:
    return form.get(name, "").replace("\r\n", "\n").strip()


def _body_errors(body: str, limit: int, *, empty: str) -> dict[str, str]:
    if not body:
        return {"body": empty}
    if len(body) > limit:
        return {
            "body": _(
                "This is %(count)s characters long; the most is %(limit)s. Shorten it and "
                "try again.",
                count=format_number(len(body)),
                limit=format_number(limit),
            )
        }
    return {}


@dataclass(frozen=True)
class ReflectionForm:
    body: str
    anonymous: bool = False
    client_token: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> ReflectionForm:
        body = _text(form, "body")
        token = form.get("ct", "")
        return cls(
            body=body,
            anonymous=form.get("anonymous") == "on",
            client_token=token if _CLIENT_TOKEN.match(token) else None,
            errors=_body_errors(body, MAX_CHARS, empty=_("Write your reflection first.")),
        )


@dataclass(frozen=True)
class ReplyForm:
    body: str
    anonymous: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> ReplyForm:
        body = _text(form, "body")
        return cls(
            body=body,
            anonymous=form.get("anonymous") == "on",
            errors=_body_errors(body, MAX_REPLY_CHARS, empty=_("Write your reply first.")),
        )


@dataclass(frozen=True)
class ReactionForm:
    kind: str
    #: True to give the reaction, False to take it back: a resent form changes nothing more.
    on: bool

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> ReactionForm:
        kind = form.get("kind", "")
        if kind not in REACTION_KINDS:
            raise UserFacingError(_("That is not one of the reactions."), code="no_such_reaction")
        return cls(kind=kind, on=form.get("on") != "0")


@dataclass(frozen=True)
class RatingForm:
    stars: int | None
    why: str
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> RatingForm:
        raw = form.get("stars", "")
        stars = int(raw) if raw in {"1", "2", "3", "4", "5"} else None
        why = _text(form, "why")
        errors: dict[str, str] = {}
        if stars is None:
            errors["stars"] = _("Choose how useful it was, from 1 to 5.")
        if len(why) > MAX_WHY_CHARS:
            errors["why"] = _("Say why in at most %(limit)s characters.", limit=MAX_WHY_CHARS)
        return cls(stars=stars, why=why, errors=errors)


def read_cursor(value: str | None) -> Cursor | None:
    """The "Show more" link's cursor (microseconds since the epoch, then the id); None for
    the first page or anything our links never make."""
    found = _CURSOR.match(value or "")
    if not found or int(found[2]) > _MAX_ID:
        return None
    try:
        moment = datetime.fromtimestamp(int(found[1]) / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return Cursor(moment, int(found[2]))


def write_cursor(cursor: Cursor) -> str:
    moment = cursor.created_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    micros = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _MICROSECOND
    return f"{micros}.{cursor.id}"


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
