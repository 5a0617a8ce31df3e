"""Errors a person sees: each carries a status and a message someone can act on.

Views and the LTI plumbing raise ``UserFacingError`` (or a subclass); ``lti_tool.error_pages``
renders it in the reader's language. Kept free of Flask so ``lti_tool.lti`` can raise it: the
message stays English here, marked with ``N_`` where it is written, with ``%(name)s``
placeholders filled from ``params``; the error page translates it (as for ``DomainError``).
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark ``message`` for the shell's catalog (scripts/i18n extracts N_) without
    translating it: the error page translates it when it is shown."""
    return message


class UserFacingError(Exception):
    """An error whose message is shown to the person: write it for the one who will read it.

    ``msgid`` is the English message as written (its ``%(name)s`` placeholders unfilled),
    ``params`` their values, ``message`` the English with its values (logs, CLI, tests)."""

    status: int = 400
    title: str = N_("This request could not be completed")

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        title: str | None = None,
        hint: str | None = None,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.msgid = message
        self.params = dict(params or {})
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.hint = hint
        self.code = code or type(self).__name__
