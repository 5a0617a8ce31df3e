"""Platforms (LTI registrations) and their deployments: validate, add, find, list, remove.

Service functions on a Session: they flush and never commit (the view or command commits).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.errors import UserFacingError
from lti_tool.logs import log_event
from lti_tool.models import Deployment, Platform

MAX_ID_LENGTH = 255
MAX_URL_LENGTH = 1024


class RegistrationError(UserFacingError):
    """A registration value or request an administrator has to correct."""

    status = 400
    title = "This registration could not be saved"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(
    value: str | None, label: str, *, allow_query: bool = True, allow_loopback_http: bool = True
) -> str:
    """``value`` stripped, if it is an https URL (or http on loopback, for local testing)."""
    value = (value or "").strip()
    if not value:
        raise RegistrationError(f"The {label} is missing.", code="registration_missing_value")
    if len(value) > MAX_URL_LENGTH:
        raise RegistrationError(
            f"The {label} is longer than {MAX_URL_LENGTH} characters.",
            code="registration_bad_url",
        )
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 — raises ValueError for a port that is not a number
    except ValueError:
        host, parts = "", urlsplit("")
    if parts.scheme not in ("https", "http") or not host:
        raise RegistrationError(
            f"The {label} must be a full URL starting with https:// (got {value!r}).",
            code="registration_bad_url",
        )
    if parts.scheme == "http" and not (allow_loopback_http and _is_loopback(host)):
        raise RegistrationError(
            f"The {label} must use https:// (got {value!r})"
            + (
                "; plain http is only accepted for a platform on this machine (localhost)."
                if allow_loopback_http
                else "."
            ),
            code="registration_bad_url",
        )
    if parts.fragment or (not allow_query and parts.query):
        raise RegistrationError(
            f"The {label} must not contain a query string or #fragment (got {value!r}).",
            code="registration_bad_url",
        )
    return value


def check_identifier(value: str | None, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RegistrationError(f"The {label} is empty.", code="registration_missing_value")
    if len(value) > MAX_ID_LENGTH:
        raise RegistrationError(
            f"The {label} is longer than {MAX_ID_LENGTH} characters.",
            code="registration_bad_value",
        )
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise RegistrationError(
            f"The {label} must not contain spaces or control characters (got {value!r}).",
            code="registration_bad_value",
        )
    return value


def _deployment_ids(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        checked = check_identifier(value, "deployment id")
        if checked not in seen:  # the same id given twice is one deployment
            seen.append(checked)
    return seen


def find_platform(session: Session, issuer: str, client_id: str | None = None) -> Platform | None:
    """The registration for ``issuer`` (and ``client_id``), or None if there is none.

    Without ``client_id`` (an OIDC login that omits it) the issuer must have exactly one
    registration; several is ambiguous and raises RegistrationError.
    """
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id is not None:
        return session.scalars(query.where(Platform.client_id == client_id)).first()
    found = session.scalars(query.order_by(Platform.id).limit(2)).all()
    if len(found) > 1:
        raise RegistrationError(
            f"The platform {issuer} is registered more than once and did not say which "
            "registration (client_id) this login is for. Ask your LMS administrator to "
            "include the client_id in the login request, or remove the unused registration.",
            code="registration_ambiguous",
        )
    return found[0] if found else None


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).order_by(Platform.issuer, Platform.client_id)))


def find_deployment(session: Session, platform: Platform, deployment_id: str) -> Deployment | None:
    return session.scalars(
        select(Deployment).where(
            Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
        )
    ).first()


def record_deployment(
    session: Session, platform: Platform, deployment_id: str, source: str
) -> Deployment:
    """The deployment ``deployment_id`` of ``platform``, added if new (flushed).

    Two launches of a new deployment may race: the loser of the unique constraint reads the
    winner's row instead of failing.
    """
    deployment_id = check_identifier(deployment_id, "deployment id")
    existing = find_deployment(session, platform, deployment_id)
    if existing is not None:
        return existing
    row = Deployment(platform_id=platform.id, deployment_id=deployment_id, source=source)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = find_deployment(session, platform, deployment_id)
        if found is None:
            raise
        return found
    session.refresh(platform, ["deployments"])
    log_event(
        "deployment_recorded",
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_id=deployment_id,
        source=source,
    )
    return row


def add_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    auth_token_audience: str | None = None,
    deployment_ids: Iterable[str] = (),
    name: str | None = None,
    source: str = "cli",
) -> Platform:
    """Register a platform and its deployments (flushed); RegistrationError for bad values."""
    issuer = check_url(issuer, "issuer", allow_query=False)
    client_id = check_identifier(client_id, "client id")
    auth_login_url = check_url(auth_login_url, "login (authorization) URL")
    auth_token_url = check_url(auth_token_url, "token URL")
    key_set_url = check_url(key_set_url, "platform keyset (JWKS) URL")
    audience = (auth_token_audience or "").strip() or None
    if audience is not None and len(audience) > MAX_URL_LENGTH:
        raise RegistrationError(
            f"The token audience is longer than {MAX_URL_LENGTH} characters.",
            code="registration_bad_value",
        )
    ids = _deployment_ids(deployment_ids)
    name = (name or "").strip()[:255] or None
    if find_platform(session, issuer, client_id) is not None:
        raise RegistrationError(
            f"The platform {issuer} with client id {client_id} is already registered. "
            "Remove it first to register it again.",
            status=409,
            code="registration_duplicate",
        )
    platform = Platform(
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        auth_token_audience=audience,
        key_set_url=key_set_url,
        name=name,
        source=source,
    )
    platform.deployments = [Deployment(deployment_id=d, source=source) for d in ids]
    try:
        with session.begin_nested():
            session.add(platform)
    except IntegrityError as exc:  # registered concurrently by another process
        raise RegistrationError(
            f"The platform {issuer} with client id {client_id} is already registered.",
            status=409,
            code="registration_duplicate",
        ) from exc
    log_event(
        "platform_registered",
        issuer=issuer,
        client_id=client_id,
        deployments=ids,
        source=source,
    )
    return platform


def remove_platform(session: Session, issuer: str, client_id: str) -> Platform:
    """Delete a registration and its deployments (flushed); RegistrationError if unknown."""
    platform = find_platform(session, issuer.strip(), client_id.strip())
    if platform is None:
        raise RegistrationError(
            f"No platform {issuer} with client id {client_id} is registered.",
            status=404,
            code="registration_not_found",
        )
    session.delete(platform)
    session.flush()
    log_event("platform_removed", issuer=platform.issuer, client_id=platform.client_id)
    return platform
