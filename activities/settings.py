"""Placement settings: what an instructor chose for one placed activity, editable after
placing, every change kept (who, when, old → new).

Stored as one JSON column on ``placement`` (the values an instructor set; defaults fill the
rest on read, so a changed default reaches placements that never set it) rather than a
column per setting or a key/value table: each kind of activity has settings of its own
(discussion and cohort bring theirs), a new one then needs no migration, and the page reads
them with the placement it already loaded — no join. What must be queried across
placements (nothing yet) would get a column of its own. Values are validated here, in one
place, and the history table keeps each change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from activities.db import Base, UtcDateTime, utcnow
from activities.errors import N_, Invalid, NotAllowed
from activities.people import Participant

if TYPE_CHECKING:
    from activities.placements import Placement

RevealRule = Literal["after_post", "after_peers", "after_date", "on_release"]
REVEAL_RULES: tuple[RevealRule, ...] = ("after_post", "after_peers", "after_date", "on_release")
MAX_PURPOSE_CHARS = 2_000


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid(N_("Choose on or off."), code="not_a_choice")
    return value


def _count(low: int, high: int, *, optional: bool = False) -> Callable[[object], int | None]:
    def check(value: object) -> int | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(
                N_("Enter a whole number from %(low)s to %(high)s."),
                code="out_of_range",
                params={"low": low, "high": high},
            )
        return value

    return check


def _moment(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid(N_("Enter a date and time with its time zone."), code="not_a_date")
    return value.astimezone(UTC).isoformat()


def _reveal(value: object) -> str:
    if value not in REVEAL_RULES:
        raise Invalid(N_("Choose when learners see their peers' reflections."), code="no_such_rule")
    return str(value)


def _text(value: object) -> str:
    if not isinstance(value, str) or len(value.strip()) > MAX_PURPOSE_CHARS:
        raise Invalid(
            N_("Write at most %(limit)s characters."),
            code="too_long",
            params={"limit": MAX_PURPOSE_CHARS},
        )
    return value.strip()


@dataclass(frozen=True)
class Setting:
    default: Any
    #: The value as stored (JSON); raises Invalid with a message an instructor can act on.
    validate: Callable[[object], Any]
    #: Whether it is a date (stored as ISO text, read back as an aware datetime).
    moment: bool = False


#: Every activity has these (frame item 1): why it matters, when it is due, anonymity.
SHARED: dict[str, Setting] = {
    "purpose": Setting("", _text),
    "due_at": Setting(None, _moment, moment=True),
    "anonymity_allowed": Setting(False, _bool),
}
BY_KIND: dict[str, dict[str, Setting]] = {
    "reflection": {
        "reveal_rule": Setting("after_post", _reveal),
        "reveal_after_peers": Setting(3, _count(1, 10_000)),
        "reveal_at": Setting(None, _moment, moment=True),
        "released": Setting(False, _bool),
        "min_words": Setting(15, _count(0, 1_000)),
        "edit_window_minutes": Setting(None, _count(1, 24 * 60, optional=True)),
        "several_per_learner": Setting(False, _bool),
        # Participation grading (when the placement grades): full marks for this many
        # reflections and this many replies to peers; partial work earns its share.
        "grade_reflections": Setting(1, _count(0, 20)),
        "grade_replies": Setting(0, _count(0, 50)),
    },
}


def fields(kind: str) -> dict[str, Setting]:
    return {**SHARED, **BY_KIND.get(kind, {})}


def read(placement: Placement) -> dict[str, Any]:
    """Every setting of ``placement``: what was stored, defaults for the rest, dates parsed."""
    stored: Mapping[str, Any] = placement.settings or {}
    values: dict[str, Any] = {}
    for name, setting in fields(placement.kind).items():
        value = stored.get(name, setting.default)
        values[name] = datetime.fromisoformat(value) if setting.moment and value else value
    return values


class SettingChange(Base):
    """One change of one setting of a placement: the history instructors and auditors read."""

    __tablename__ = "placement_setting_change"
    __table_args__ = (Index(None, "placement_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The placement whose setting changed.
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    #: Which setting (a key of ``fields(kind)``).
    name: Mapped[str] = mapped_column(String(64))
    #: The value before (as stored: JSON, dates as ISO text; None for the default).
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    #: The value after.
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    #: Who changed it: the platform and ``sub`` of the staff member.
    changed_by_platform_id: Mapped[int] = mapped_column()
    changed_by_sub: Mapped[str] = mapped_column(String(255))
    #: Their name as the launch gave it, for the history page.
    changed_by_name: Mapped[str | None] = mapped_column(String(255), default=None)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def _rule_complete(values: Mapping[str, Any]) -> None:
    if values["reveal_rule"] == "after_date" and not values.get("reveal_at"):
        raise Invalid(N_("Choose the date when peers' reflections appear."), code="date_missing")


class InvalidSettings(Invalid):
    """Several settings of a new placement are wrong: each one's refusal, by setting name."""

    def __init__(self, by_name: Mapping[str, Invalid]) -> None:
        super().__init__(N_("Some settings need correcting."), code="invalid_settings")
        self.by_name = dict(by_name)


def validate_new(kind: str, values: Mapping[str, object]) -> dict[str, Any]:
    """The settings of a new placement of ``kind`` as they will be stored (JSON, dates as
    ISO text): every value checked as ``change_settings`` checks it, every mistake reported
    at once (InvalidSettings, by name) so a form can show each beside its field."""
    known = fields(kind)
    refused: dict[str, Invalid] = {}
    for name in sorted(set(values) - set(known)):
        refused[name] = Invalid(
            N_("No such setting: %(names)s."), code="no_such_setting", params={"names": name}
        )
    stored: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            continue
        try:
            stored[name] = known[name].validate(value)
        except Invalid as error:
            refused[name] = error
    if kind == "reflection" and "reveal_at" not in refused:
        try:
            _rule_complete({name: stored.get(name, s.default) for name, s in known.items()})
        except Invalid as error:
            refused["reveal_at"] = error
    grades = (stored.get("grade_reflections"), stored.get("grade_replies"))
    if grades == (0, 0):  # full marks for nothing: a grading rule that grades nobody
        refused["grade_reflections"] = Invalid(
            N_("Ask for at least one reflection or one reply, or turn grading off."),
            code="grades_nothing",
        )
    if refused:
        raise InvalidSettings(refused)
    return stored


def change_settings(
    session: Session, person: Participant, placement: Placement, **changes: object
) -> list[SettingChange]:
    """Change settings of ``placement`` as staff ``person``; each changed value is recorded
    (flushed). Unknown names and bad values are refused before anything changes. Returns
    the changes (empty when every value was already so)."""
    if not person.is_staff or person.platform_id != placement.platform_id:
        raise NotAllowed(N_("Only instructors of this course can change its settings."))
    known = fields(placement.kind)
    unknown = sorted(set(changes) - set(known))
    if unknown:
        raise Invalid(
            N_("No such setting: %(names)s."),
            code="no_such_setting",
            params={"names": ", ".join(unknown)},
        )
    stored = dict(placement.settings or {})
    after = dict(stored)
    for name, value in changes.items():
        after[name] = known[name].validate(value)
    if placement.kind == "reflection":
        _rule_complete({name: after.get(name, s.default) for name, s in known.items()})
    now = utcnow()
    rows = []
    for name in changes:
        old = stored.get(name, known[name].default)
        if old == after[name]:
            continue
        rows.append(
            SettingChange(
                placement_id=placement.id,
                name=name,
                old_value=old,
                new_value=after[name],
                changed_by_platform_id=person.platform_id,
                changed_by_sub=person.sub,
                changed_by_name=person.name,
                changed_at=now,
            )
        )
    if rows:
        placement.settings = after  # a new dict: SQLAlchemy sees the JSON column changed
        session.add_all(rows)
        session.flush()
    return rows


MAX_TITLE_CHARS = 200
MAX_PROMPT_CHARS = 4_000
#: The placement's own columns staff may reword; their changes share the settings' history.
WORDING = ("title", "prompt")


def change_wording(
    session: Session,
    person: Participant,
    placement: Placement,
    *,
    title: str | None = None,
    prompt: str | None = None,
) -> list[SettingChange]:
    """Change the placement's title or prompt as staff ``person`` (flushed), each change kept
    in the settings' history. The LMS keeps its own copy of the link's title: it changes
    there only when the instructor edits the link in the LMS."""
    if not person.is_staff or person.platform_id != placement.platform_id:
        raise NotAllowed("Only instructors of this course can change its settings.")
    wanted: dict[str, str] = {}
    if title is not None:
        title = " ".join(title.split())
        if not title:
            # TRANSLATORS: staff-only (the settings page)
            raise Invalid(N_("Give the activity a title."), code="title_missing")
        if len(title) > MAX_TITLE_CHARS:
            # TRANSLATORS: staff-only (the settings page)
            too_long = N_("Keep the title under %(limit)s characters.")
            raise Invalid(too_long, code="too_long", params={"limit": MAX_TITLE_CHARS})
        wanted["title"] = title
    if prompt is not None:
        prompt = prompt.strip()
        if not prompt:
            # TRANSLATORS: staff-only (the settings page)
            raise Invalid(N_("Write the question learners will answer."), code="prompt_missing")
        if len(prompt) > MAX_PROMPT_CHARS:
            # TRANSLATORS: staff-only (the settings page)
            too_long = N_("Keep the prompt under %(limit)s characters.")
            raise Invalid(too_long, code="too_long", params={"limit": MAX_PROMPT_CHARS})
        wanted["prompt"] = prompt
    now = utcnow()
    rows = []
    for name, value in wanted.items():
        old = getattr(placement, name)
        if old == value:
            continue
        setattr(placement, name, value)
        rows.append(
            SettingChange(
                placement_id=placement.id,
                name=name,
                old_value=old,
                new_value=value,
                changed_by_platform_id=person.platform_id,
                changed_by_sub=person.sub,
                changed_by_name=person.name,
                changed_at=now,
            )
        )
    if rows:
        session.add_all(rows)
        session.flush()
    return rows


def history(session: Session, placement: Placement, *, limit: int = 200) -> list[SettingChange]:
    """The placement's setting changes, newest first."""
    return list(
        session.scalars(
            select(SettingChange)
            .where(SettingChange.placement_id == placement.id)
            .order_by(SettingChange.changed_at.desc(), SettingChange.id.desc())
            .limit(limit)
        )
    )
