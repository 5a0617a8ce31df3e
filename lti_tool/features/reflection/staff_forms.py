"""The instructor's forms, read into plain values and per-field errors.

Values are checked by the domain's own validators (``activities.settings``) one field at a
time, so each refusal is shown next to the field it is about; ``change_settings`` checks
them again, with the rules that span fields, when the form is saved.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from activities.errors import Invalid
from activities.placements import Placement
from activities.settings import fields, read

#: Settings with their own controls elsewhere on the page (the release button).
NOT_IN_FORM = frozenset({"released"})
#: Shown only when the placement sends grades to the LMS.
GRADING_ONLY = frozenset({"grade_reflections", "grade_replies"})
CHECKBOXES = frozenset({"anonymity_allowed", "several_per_learner"})
NUMBERS = frozenset(
    {"reveal_after_peers", "min_words", "edit_window_minutes", "grade_reflections", "grade_replies"}
)
#: Numbers that may be left empty (no limit).
OPTIONAL_NUMBERS = frozenset({"edit_window_minutes"})
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


def _(message: str, **values: Any) -> str:
    return str(gettext(message, **values))


def editable(placement: Placement) -> list[str]:
    """The setting names the form shows for ``placement``, in the domain's order."""
    return [
        name
        for name in fields(placement.kind)
        if name not in NOT_IN_FORM and (placement.grading or name not in GRADING_ONLY)
    ]


def moment_value(value: datetime | None) -> str:
    """A stored moment as a ``datetime-local`` input's value (UTC)."""
    return value.astimezone(UTC).strftime(MOMENT_FORMAT) if value else ""


def translated(error: Invalid) -> str:
    return _(error.message, **error.params)


@dataclass
class SettingsForm:
    """Every field as typed (to show back), the values to save, and what to correct."""

    raw: dict[str, str] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    prompt: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def initial(cls, placement: Placement) -> SettingsForm:
        values = read(placement)
        raw: dict[str, str] = {}
        for name in editable(placement):
            setting = fields(placement.kind)[name]
            value = values[name]
            if setting.moment:
                raw[name] = moment_value(value)
            elif name in CHECKBOXES:
                raw[name] = "on" if value else ""
            else:
                raw[name] = "" if value is None else str(value)
        return cls(raw=raw, title=placement.title, prompt=placement.prompt)

    @classmethod
    def parse(cls, form: MultiDict[str, str], placement: Placement) -> SettingsForm:
        known = fields(placement.kind)
        parsed = cls(title=form.get("title", ""), prompt=form.get("prompt", ""))
        for name in editable(placement):
            setting = known[name]
            text = form.get(name, "").strip()
            parsed.raw[name] = text
            try:
                value = _value(name, text, moment=setting.moment)
                setting.validate(value)
            except Invalid as error:
                parsed.errors[name] = translated(error)
                continue
            parsed.changes[name] = value
        return parsed


def _value(name: str, text: str, *, moment: bool) -> object:
    if name in CHECKBOXES:
        return text == "on"
    if moment:
        if not text:
            return None
        try:
            return datetime.strptime(text, MOMENT_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise Invalid(_("Enter a date and a time."), code="not_a_date") from None
    if name in NUMBERS:
        if not text and name in OPTIONAL_NUMBERS:
            return None
        try:
            return int(text)
        except ValueError:
            raise Invalid(_("Enter a whole number."), code="not_a_number") from None
    return text


@dataclass(frozen=True)
class PrivateReplyForm:
    body: str

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> PrivateReplyForm:
        body = form.get("body", "").strip()
        if not body:
            raise Invalid(_("Write the note to send."), code="empty")
        return cls(body)


def encode_cursor(values: list[Any]) -> str:
    """A keyset position for a URL (opaque to people, never shown)."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(text: str | None, size: int) -> list[Any] | None:
    """The position ``encode_cursor`` made, or None for anything else (the first page)."""
    if not text or len(text) > 2_000:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    return values
