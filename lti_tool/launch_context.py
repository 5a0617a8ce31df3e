"""Who is here and from where: the launch context every view inside the LMS iframe gets.

Inside an LMS iframe our cookies are third-party and often blocked, so identity is carried by
a signed, expiring *launch token* (itsdangerous, keyed by the app's secret) that pages put in
a hidden form field ``lt``, an ``Authorization: Bearer`` header, or the ``lt`` query parameter
of in-frame links. The token holds the whole context, so no server-side lookup is needed.

CSRF: every state-changing POST is authorised by this token in the form body or header, which
a cross-site page cannot read, so it also serves as the CSRF token. Flask-WTF's CSRF would need
a session cookie, which is third-party (and often blocked) inside an LMS iframe.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar, cast

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lti_tool.errors import UserFacingError

F = TypeVar("F", bound=Callable[..., Any])

STAFF_ROLES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"})


@dataclass(frozen=True)
class LaunchContext:
    """What a validated LTI launch told us. Roles are normalised short names (see lti.roles)."""

    platform_id: int
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    sub: str | None
    roles: tuple[str, ...] = ()
    name: str | None = None
    email: str | None = None
    locale: str | None = None
    context_id: str | None = None
    context_title: str | None = None
    resource_link_id: str | None = None
    resource_link_title: str | None = None
    #: The LMS (``https://purl.imsglobal.org/spec/lti/claim/tool_platform``), if sent.
    tool_platform: dict[str, Any] = field(default_factory=dict)
    #: Deep-linking settings claim, on LtiDeepLinkingRequest only.
    deep_linking_settings: dict[str, Any] | None = None
    #: AGS endpoint claim (scopes, lineitems, lineitem), if the platform offers AGS.
    ags_endpoint: dict[str, Any] | None = None
    #: NRPS claim (context_memberships_url), if the platform offers NRPS.
    nrps: dict[str, Any] | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    #: Server-side id of this launch (the id_token's jti or a generated id).
    launch_id: str = ""

    @property
    def is_staff(self) -> bool:
        return bool(STAFF_ROLES.intersection(self.roles))

    @property
    def is_learner(self) -> bool:
        return "Learner" in self.roles

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LaunchContext:
        data = dict(data)
        data["roles"] = tuple(data.get("roles", ()))
        return cls(**data)


class LaunchTokenError(UserFacingError):
    status = 401
    title = "Your session in this course page has ended"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="peerloop.launch")


def issue_token(context: LaunchContext) -> str:
    token: str = _serializer().dumps(context.to_dict())
    return token


def read_token(token: str) -> LaunchContext:
    ttl = current_app.config["PEERLOOP"].launch_token_ttl_seconds
    try:
        data = _serializer().loads(token, max_age=ttl)
    except SignatureExpired as exc:
        raise LaunchTokenError(
            "This page was opened too long ago. Reload the course page in your LMS to continue.",
            code="launch_token_expired",
        ) from exc
    except BadSignature as exc:
        raise LaunchTokenError(
            "This page could not confirm who you are. Open the activity again from your LMS.",
            code="launch_token_invalid",
        ) from exc
    try:
        return LaunchContext.from_dict(data)
    except (TypeError, ValueError) as exc:
        # Signed by us but not today's shape: a token issued by an older release.
        raise LaunchTokenError(
            "This page could not confirm who you are. Open the activity again from your LMS.",
            code="launch_token_misshapen",
        ) from exc


def token_from_request() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth.removeprefix("Bearer ").strip()
    return request.form.get("lt") or request.args.get("lt")


def launch_required(view: F) -> F:
    """Give the view ``launch`` (LaunchContext) and ``launch_token`` keyword arguments."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = token_from_request()
        if not token:
            raise LaunchTokenError(
                "This page must be opened from your LMS course.", code="launch_token_missing"
            )
        kwargs["launch"] = read_token(token)
        kwargs["launch_token"] = token
        return view(*args, **kwargs)

    return cast(F, wrapper)


def staff_required(view: F) -> F:
    """Like launch_required, and the launch must carry a staff role."""

    @functools.wraps(view)
    @launch_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not kwargs["launch"].is_staff:
            raise UserFacingError(
                "Only instructors of this course can do this.", status=403, code="not_staff"
            )
        return view(*args, **kwargs)

    return cast(F, wrapper)
