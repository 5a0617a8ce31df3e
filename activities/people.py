"""Who is acting: what a rule needs to know of the person a launch brought in."""

from __future__ import annotations

from dataclasses import dataclass

#: LTI context roles (short names, see lti_tool.lti.roles) that make someone course staff.
STAFF_ROLES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"})


@dataclass(frozen=True)
class Participant:
    """A person in a course of one platform. ``sub`` is unique only within its issuer, and
    ``platform_id`` keeps two registrations that reuse course ids and subs apart."""

    platform_id: int
    issuer: str
    sub: str
    name: str | None = None
    email: str | None = None
    roles: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        return bool(STAFF_ROLES.intersection(self.roles))
