"""What an operation refuses, and why, in words a person can act on.

The web layer turns each into an error page with the class's status; the domain never
imports Flask, so the status is plain data here.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of an activity refused the action; ``message`` is shown as it is."""

    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).__name__


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
