"""Errors a person sees: each carries a status and a message someone can act on.

Views and the LTI plumbing raise ``UserFacingError`` (or a subclass); ``lti_tool.error_pages``
renders it. Kept free of Flask so ``lti_tool.lti`` can raise it.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is shown as it is: write it for the person who will read it."""

    status: int = 400
    title: str = "This request could not be completed"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        title: str | None = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.hint = hint
        self.code = code or type(self).__name__
