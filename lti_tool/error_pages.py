"""Error pages: every refusal renders ``templates/error.html`` with its status, logs one
structured line, and never shows a stack trace. Domain refusals (``activities.errors``) and
``UserFacingError`` alike."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from activities.errors import DomainError
from lti_tool.errors import UserFacingError
from lti_tool.logs import log_event


def _render(status: int, title: str, message: str, hint: str | None = None) -> tuple[str, int]:
    return (
        render_template("error.html", status=status, title=title, message=message, hint=hint),
        status,
    )


def _log_refusal(code: str, status: int, reason: str) -> None:
    log_event(
        "request_refused",
        logging.WARNING,
        code=code,
        status=status,
        path=request.path,
        reason=reason,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(UserFacingError)
    def _user_facing(error: UserFacingError) -> tuple[str, int]:
        _log_refusal(error.code, error.status, error.message)
        return _render(error.status, error.title, error.message, error.hint)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[str, int]:
        _log_refusal(error.code, error.status, error.message)
        return _render(error.status, "This could not be done", error.message)

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
