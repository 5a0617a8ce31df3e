"""Error pages: every refusal renders ``templates/error.html`` with its status, logs one
structured line (in English), and never shows a stack trace. Domain refusals
(``activities.errors``) and ``UserFacingError`` alike: both carry English marked with ``N_``
and their values as ``params``, translated here into the reader's language."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from flask import Flask, render_template, request
from flask_babel import format_decimal, gettext
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from activities.errors import DomainError
from lti_tool.errors import N_, UserFacingError
from lti_tool.i18n import date_time
from lti_tool.logs import log_event

_CODE = re.compile(r"`([^`\n]+)`")

#: What a person who opened one of our URLs by hand (a bookmark, a copied address, a reload of
#: a form's answer) can do: the tool's pages only work when the LMS opens them.
FROM_YOUR_COURSE = N_(
    "Open the activity from your course in the LMS: Peerloop's pages are opened by the LMS, "
    "not by typing or bookmarking their address."
)
#: Werkzeug's texts are written for developers; these are for the person in front of the page.
_HTTP_PAGES: dict[int, tuple[str, str]] = {
    404: (N_("This page does not exist"), N_("There is no Peerloop page at this address.")),
    405: (
        N_("This page cannot be opened like this"),
        N_(
            "This address only takes part in a launch from your LMS; it cannot be opened in a "
            "tab or reloaded on its own."
        ),
    ),
}


def inline_code(text: str) -> Markup:
    """``text`` escaped, with `backticked` spans as <code>: messages name commands that way,
    and no HTML a message holds ever reaches the page."""
    escaped = str(escape(text))
    # Safe: the text was escaped first; the only markup added is our own <code> pairs.
    return Markup(_CODE.sub(r"<code>\1</code>", escaped))  # noqa: S704


def _value(value: object) -> object:
    if isinstance(value, datetime):
        return date_time(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_decimal(value)
    return value


def say(message: str, params: Mapping[str, object]) -> str:
    """``message`` in the reader's language with its values, numbers and times written the
    reader's way (20,000 / 20.000; Dec 2, 2026 / 2 dic 2026)."""
    return str(gettext(message, **{name: _value(value) for name, value in params.items()}))


def translated(error: UserFacingError) -> tuple[str, str, str | None]:
    """Title, message and hint of ``error`` in the reader's language (English when the
    catalog has no translation, e.g. an administrator's message left unmarked)."""
    hint = gettext(error.hint) if error.hint else None
    return gettext(error.title), say(error.msgid, error.params), hint


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
    app.add_template_filter(inline_code)
    app.add_template_global(translated)

    @app.errorhandler(UserFacingError)
    def _user_facing(error: UserFacingError) -> tuple[str, int]:
        _log_refusal(error.code, error.status, error.message)
        return _render(error.status, *translated(error))

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[str, int]:
        _log_refusal(error.code, error.status, error.text)
        return _render(
            error.status, gettext("This could not be done"), say(error.message, error.params)
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
        status = error.code or 500
        # Keep what the status needs (Allow on a 405, WWW-Authenticate on a 401), not the type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if status in _HTTP_PAGES:
            title, message = _HTTP_PAGES[status]
            page = _render(status, gettext(title), gettext(message), gettext(FROM_YOUR_COURSE))
            return (*page, headers)
        return (*_render(status, error.name, error.description or error.name), headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        logging.getLogger("peerloop").exception("unhandled error on %s", request.path)
        return _render(
            500,
            gettext("Something went wrong on our side"),
            gettext(
                "The error has been logged. Please try again; if it keeps happening, "
                "tell your LMS administrator the time it happened."
            ),
        )
