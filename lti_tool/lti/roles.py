"""Role names normalised to the short names the rest of Peerloop uses.

Platforms spell roles several ways: LTI 1.3 launches send URIs
(``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor``), sub-roles
(``…/membership/Instructor#TeachingAssistant``), institution and system roles
(``…/institution/person#Administrator``), LTI 1.1 URNs (``urn:lti:role:ims/lis/Learner``), and
Moodle's NRPS answers with bare short names (``Instructor``). Everything becomes one short name
of ``CONTEXT_ROLES``; roles that say nothing about the course (institution Student, TestUser…)
are dropped, except a system or institution Administrator, who is treated as Administrator.

pylti1p3's ``roles`` module only answers "is this a teacher" for launch URIs; we need the names
themselves for NRPS rosters too, so this small table is hand-written.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Context (course) roles of LIS v2 that Peerloop keeps, by short name.
CONTEXT_ROLES = frozenset(
    {
        "Administrator",
        "ContentDeveloper",
        "Instructor",
        "Learner",
        "Mentor",
        "Manager",
        "Member",
        "Officer",
        "TeachingAssistant",
    }
)

_LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
_CONTEXT_PREFIX = _LIS + "membership"
_ADMIN_SCOPES = (_LIS + "institution/person#", _LIS + "system/person#")
_URN_CONTEXT = ("urn:lti:role:ims/lis/",)
_URN_ADMIN = ("urn:lti:instrole:ims/lis/", "urn:lti:sysrole:ims/lis/")

# Sub-roles that are a role of their own for us; any other sub-role counts as its principal.
_SUB_ROLES_KEPT = frozenset({"TeachingAssistant"})


def _context_name(name: str) -> str | None:
    return name if name in CONTEXT_ROLES else None


def normalise_role(role: str) -> str | None:
    """The short name of ``role``, or None if it is not a course role Peerloop uses."""
    role = role.strip()
    if not role:
        return None
    if role.startswith(_CONTEXT_PREFIX):
        rest = role[len(_CONTEXT_PREFIX) :]
        if rest.startswith("#"):  # membership#Instructor
            return _context_name(rest[1:])
        if rest.startswith("/") and "#" in rest:  # membership/Instructor#TeachingAssistant
            principal, sub = rest[1:].split("#", 1)
            return _context_name(sub if sub in _SUB_ROLES_KEPT else principal)
        return None
    for prefix in _ADMIN_SCOPES + _URN_ADMIN:
        if role.startswith(prefix):
            return "Administrator" if role[len(prefix) :] == "Administrator" else None
    for prefix in _URN_CONTEXT:
        if role.startswith(prefix):  # urn:lti:role:ims/lis/Instructor/TeachingAssistant
            parts = role[len(prefix) :].split("/")
            name = parts[-1] if parts[-1] in _SUB_ROLES_KEPT else parts[0]
            return _context_name(name)
    if ":" in role or "/" in role:
        return None  # some other vocabulary (e.g. lti/system/person#TestUser)
    if "#" in role:  # short sub-role form: Instructor#TeachingAssistant
        principal, sub = role.split("#", 1)
        return _context_name(sub if sub in _SUB_ROLES_KEPT else principal)
    return _context_name(role)


def normalise_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Short names of ``roles``, each once, in the order first seen."""
    seen: list[str] = []
    for role in roles:
        if not isinstance(role, str):
            continue
        name = normalise_role(role)
        if name is not None and name not in seen:
            seen.append(name)
    return tuple(seen)
