"""Errors a person sees: each carries a status and a message someone can act on.

Views raise ``UserFacingError`` (or a subclass); the handlers registered here render
``templates/error.html`` with the status, log one structured line, and never show a stack trace.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from lti_tool.logs import log_event


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


def _render(status: int, title: str, message: str, hint: str | None = None) -> tuple[str, int]:
    return (
        render_template("error.html", status=status, title=title, message=message, hint=hint),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(UserFacingError)
    def _user_facing(error: UserFacingError) -> tuple[str, int]:
        log_event(
            "request_refused",
            logging.WARNING,
            code=error.code,
            status=error.status,
            path=request.path,
            reason=error.message,
        )
        return _render(error.status, error.title, error.message, error.hint)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
        status = error.code or 500
        # Keep what the status needs (Allow on a 405, WWW-Authenticate on a 401), not the type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return (*_render(status, error.name, error.description or error.name), headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        logging.getLogger("peerloop").exception("unhandled error on %s", request.path)
        return _render(
            500,
            "Something went wrong on our side",
            "The error has been logged. Please try again; if it keeps happening, "
            "tell your LMS administrator the time it happened.",
        )
