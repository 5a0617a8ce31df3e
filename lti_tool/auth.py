"""Who is here: the signed launch token, and the decorators that give views its context.

Inside an LMS iframe our cookies are third-party and often blocked, so identity is carried by
a signed, expiring *launch token* (itsdangerous, keyed by the app's secret) that pages put in
a hidden form field ``lt`` or an ``Authorization: Bearer`` header. The token holds the whole
context, so no server-side lookup is needed. URLs (a launch's redirect, in-frame links) carry a
*page id* instead (``?page=``): an opaque id the launch store maps to the token for the token's
lifetime (``launch_state.put_page``), so the token itself never sits in a URL, where history,
access logs and Referer headers would keep it.

CSRF: every state-changing POST is authorised by this token in the form body or header, which
a cross-site page cannot read, so it also serves as the CSRF token. Flask-WTF's CSRF would need
a session cookie, which is third-party (and often blocked) inside an LMS iframe.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lti_tool.db import current_settings, get_session
from lti_tool.errors import N_, UserFacingError
from lti_tool.i18n import use_launch_locale
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import find_page, make_store

F = TypeVar("F", bound=Callable[..., Any])


class LaunchTokenError(UserFacingError):
    status = 401
    title = N_("Your session in this course page has ended")


def _serializer() -> URLSafeTimedSerializer:
    # One per app: it is stateless (safe to share between threads) and derives its key once.
    serializer: URLSafeTimedSerializer | None = current_app.extensions.get("peerloop.tokens")
    if serializer is None:
        serializer = URLSafeTimedSerializer(
            current_app.config["SECRET_KEY"], salt="peerloop.launch"
        )
        current_app.extensions["peerloop.tokens"] = serializer
    return serializer


def issue_token(context: LaunchContext) -> str:
    token: str = _serializer().dumps(context.to_dict())
    return token


def read_token(token: str) -> LaunchContext:
    ttl = current_app.config["PEERLOOP"].launch_token_ttl_seconds
    try:
        data = _serializer().loads(token, max_age=ttl)
    except SignatureExpired as exc:
        raise LaunchTokenError(
            N_(
                "This page was opened too long ago. Reopen this activity from your course in "
                "the LMS to continue."
            ),
            code="launch_token_expired",
        ) from exc
    except BadSignature as exc:
        raise LaunchTokenError(
            N_("This page could not confirm who you are. Open the activity again from your LMS."),
            code="launch_token_invalid",
        ) from exc
    try:
        return LaunchContext.from_dict(data)
    except (TypeError, ValueError) as exc:
        # Signed by us but not today's shape: a token issued by an older release.
        raise LaunchTokenError(
            N_("This page could not confirm who you are. Open the activity again from your LMS."),
            code="launch_token_misshapen",
        ) from exc


def token_from_request() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth.removeprefix("Bearer ").strip()
    token = request.form.get("lt") or request.args.get("lt")
    if token:
        return token
    page_id = request.args.get("page")
    if not page_id:
        return None
    found = find_page(make_store(current_settings(), get_session()), page_id)
    if found is None:
        raise LaunchTokenError(
            N_(
                "This page's address has expired or was not made by Peerloop. Open the "
                "activity again from your course in the LMS."
            ),
            code="page_unknown",
        )
    return found


def launch_required(view: F) -> F:
    """Give the view ``launch`` (LaunchContext) and ``launch_token`` keyword arguments."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = token_from_request()
        if not token:
            raise LaunchTokenError(
                N_("This page must be opened from your LMS course."), code="launch_token_missing"
            )
        kwargs["launch"] = read_token(token)
        kwargs["launch_token"] = token
        use_launch_locale(kwargs["launch"].locale)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def staff_required(view: F) -> F:
    """Like launch_required, and the launch must carry a staff role."""

    @functools.wraps(view)
    @launch_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not kwargs["launch"].is_staff:
            raise UserFacingError(
                N_("Only instructors of this course can do this."), status=403, code="not_staff"
            )
        return view(*args, **kwargs)

    return cast(F, wrapper)
