"""What an operation refuses, and why, in words a person can act on.

The web layer turns each into an error page with the class's status; the domain never
imports Flask, so the status is plain data here.
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark ``message`` for the catalogs (scripts/i18n extracts N_) without translating it:
    the domain has no request and no language; the web layer translates where it shows it."""
    return message


class DomainError(Exception):
    """A rule of an activity refused the action. ``message`` is English with ``%(name)s``
    placeholders filled from ``params``; mark it with ``N_`` so the page can translate it."""

    status = 400

    def __init__(
        self, message: str, *, code: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        self.message = message
        self.params = dict(params or {})
        super().__init__(self.text)
        self.code = code or type(self).__name__

    @property
    def text(self) -> str:
        """The English message with its values filled in (logs, tests), whole numbers with
        English thousands separators (the error page writes them the reader's way)."""
        if not self.params:
            return self.message
        values = {
            name: f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
            for name, value in self.params.items()
        }
        return self.message % values


class NotAllowed(DomainError):
    """The person may not do this here (role, course, placement)."""

    status = 403


class NotFound(DomainError):
    """What was asked for does not exist in this course and placement."""

    status = 404


class Closed(DomainError):
    """The activity no longer takes this action (past its due date, locked)."""

    status = 409


class Invalid(DomainError):
    """The input breaks a rule (empty, too long, a duplicate)."""

    status = 400
