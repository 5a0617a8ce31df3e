"""Platforms (LTI registrations) and their deployments: validate, add, find, list, remove.

Service functions on a Session: they flush and never commit (the view or command commits).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activities.db import utcnow
from activities.grading import QueuedScore
from activities.placements import Placement
from lti_tool.errors import N_, UserFacingError
from lti_tool.logs import log_event
from lti_tool.models import Deployment, GradeSync, Platform

MAX_ID_LENGTH = 255
MAX_URL_LENGTH = 1024


class RegistrationError(UserFacingError):
    """A registration value or request an administrator has to correct."""

    status = 400
    title = N_("This registration could not be saved")


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


def check_origin(value: str | None, label: str = "frame origin") -> str:
    """``value`` as a CSP source: ``scheme://host[:port]`` of an https URL (http on loopback),
    with nothing after the host; a trailing slash is dropped."""
    value = check_url(value, label, allow_query=False).rstrip("/")
    parts = urlsplit(value)
    if parts.path or parts.username or any(c in parts.netloc for c in "*;,'\""):
        raise RegistrationError(
            f"The {label} must be only scheme and host, such as https://school.instructure.com "
            f"(got {value!r}).",
            code="registration_bad_url",
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def merge_origins(current: str | None, added: Iterable[str]) -> str | None:
    """The space-separated origin list ``current`` with ``added`` appended (no repeats)."""
    origins = (current or "").split()
    origins.extend(o for o in dict.fromkeys(added) if o not in origins)
    return " ".join(origins) or None


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


def issuer_key(issuer: str) -> str:
    """``issuer`` as people mean it: scheme and host in lower case, no default port, no
    trailing slash. Two issuers with one key are one LMS typed twice, never two LMSs; the
    stored issuer stays as the platform sends it (``iss`` must match it exactly)."""
    parts = urlsplit(issuer.strip())
    host = (parts.hostname or "").lower()
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


def find_platform(
    session: Session, issuer: str, client_id: str | None = None, *, inactive: bool = False
) -> Platform | None:
    """The active registration for ``issuer`` (and ``client_id``), or None if there is none
    (``inactive``: a deactivated one too).

    Without ``client_id`` (an OIDC login that omits it) the issuer must have exactly one
    registration; several is ambiguous and raises RegistrationError.
    """
    query = select(Platform).where(Platform.issuer == issuer)
    if not inactive:
        query = query.where(Platform.deactivated_at.is_(None))
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


def _collect(errors: list[str], check: Callable[[], str]) -> str:
    """Run one check, keeping its message instead of stopping at it."""
    try:
        return check()
    except RegistrationError as error:
        errors.append(error.message)
        return ""


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
    update: bool = False,
    frame_origins: Iterable[str] = (),
) -> Platform:
    """Register a platform and its deployments (flushed); see ``register_platform``."""
    platform, _ = register_platform(
        session,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        key_set_url=key_set_url,
        auth_token_audience=auth_token_audience,
        deployment_ids=deployment_ids,
        name=name,
        source=source,
        update=update,
        frame_origins=frame_origins,
    )
    return platform


def register_platform(
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
    update: bool = False,
    frame_origins: Iterable[str] = (),
) -> tuple[Platform, str]:
    """Register a platform and its deployments (flushed), and say what happened: ``added``,
    ``updated`` (``update``: new values for an existing issuer and client id) or
    ``reactivated`` (a registration ``platform remove`` deactivated: its placements work
    again). ``frame_origins``: further origins whose pages may frame the tool (Canvas: the
    school's domain); given on an update, they replace the stored ones. RegistrationError
    lists every bad value at once."""
    errors: list[str] = []
    issuer = _collect(errors, lambda: check_url(issuer, "issuer", allow_query=False))
    client_id = _collect(errors, lambda: check_identifier(client_id, "client id"))
    auth_login_url = _collect(
        errors, lambda: check_url(auth_login_url, "login (authorization) URL")
    )
    auth_token_url = _collect(errors, lambda: check_url(auth_token_url, "token URL"))
    key_set_url = _collect(errors, lambda: check_url(key_set_url, "platform keyset (JWKS) URL"))
    audience = (auth_token_audience or "").strip() or None
    if audience is not None:
        # A URL: Canvas refuses a bare host (its authorization_server) as ``aud``.
        audience = _collect(errors, lambda: check_url(audience, "token audience"))
    ids: list[str] = []
    for value in deployment_ids:
        try:
            checked = check_identifier(value, "deployment id")
        except RegistrationError as error:
            errors.append(error.message)
            continue
        if checked not in ids:  # the same id given twice is one deployment
            ids.append(checked)
    origins: list[str] = []
    for value in frame_origins:
        try:
            origins.append(check_origin(value))
        except RegistrationError as error:
            errors.append(error.message)
    if errors:
        raise RegistrationError(" ".join(errors), code="registration_bad_value")
    name = (name or "").strip()[:255] or None
    _refuse_near_duplicate(session, issuer)
    existing = find_platform(session, issuer, client_id, inactive=True)
    outcome = "added"
    if existing is not None and existing.active and not update:
        raise RegistrationError(
            f"The platform {issuer} with client id {client_id} is already registered. "
            "Add --update to change its values.",
            status=409,
            code="registration_duplicate",
        )
    if existing is None and find_platform(session, issuer) is None:
        # Re-registered after a removal (dynamic registration hands out a new client id):
        # the deactivated registration of this issuer, with its placements, comes back.
        existing = session.scalars(
            select(Platform)
            .where(Platform.issuer == issuer, Platform.deactivated_at.is_not(None))
            .order_by(Platform.deactivated_at.desc())
        ).first()
    if existing is not None:
        outcome = "updated" if existing.active else "reactivated"
        existing.client_id = client_id
        existing.auth_login_url, existing.auth_token_url = auth_login_url, auth_token_url
        existing.key_set_url, existing.auth_token_audience = key_set_url, audience
        existing.name = name or existing.name
        if origins:
            existing.frame_origins = merge_origins(None, origins)
        existing.deactivated_at = None
        known = {d.deployment_id for d in existing.deployments}
        existing.deployments.extend(
            Deployment(deployment_id=d, source=source) for d in ids if d not in known
        )
        session.flush()
        log_event("platform_" + outcome, issuer=issuer, client_id=client_id, deployments=ids)
        return existing, outcome
    platform = Platform(
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        auth_token_audience=audience,
        key_set_url=key_set_url,
        name=name,
        source=source,
        frame_origins=merge_origins(None, origins),
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
    return platform, outcome


def _refuse_near_duplicate(session: Session, issuer: str) -> None:
    key = issuer_key(issuer)
    for known in session.scalars(select(Platform.issuer).distinct()):
        if known != issuer and issuer_key(known) == key:
            raise RegistrationError(
                f"The issuer {issuer} differs from the registered {known} only by a trailing "
                "slash or upper-case letters: they are one LMS. Give the issuer exactly as "
                f"the LMS sends it (the registered one is {known}), with --update to change "
                "that registration.",
                status=409,
                code="registration_near_duplicate",
            )


@dataclass(frozen=True)
class Removal:
    """What ``remove_platform`` did: ``deleted`` or ``deactivated``, and the course data
    that went (deleted) or was kept (deactivated)."""

    platform: Platform
    outcome: str
    placements: int
    grade_records: int


def course_data(session: Session, platform: Platform) -> tuple[int, int]:
    """How many placements, and grade records of them, the registration holds."""
    placements = session.scalar(
        select(func.count()).select_from(Placement).where(Placement.platform_id == platform.id)
    )
    grades = 0
    # The scores sent before the queue (grade_sync), and the queue's.
    for table in (GradeSync, QueuedScore):
        grades += int(
            session.scalar(
                select(func.count())
                .select_from(table)
                .join(Placement, Placement.id == table.placement_id)
                .where(Placement.platform_id == platform.id)
            )
            or 0
        )
    return int(placements or 0), grades


def remove_platform(
    session: Session, issuer: str, client_id: str, *, delete_data: bool = False
) -> Removal:
    """Remove a registration (flushed); RegistrationError if unknown.

    A registration that holds course data is deactivated, never deleted: its launches are
    refused, its placements and grade records kept, and adding the issuer again brings them
    back. Only ``delete_data`` deletes it with them."""
    platform = find_platform(session, issuer.strip(), client_id.strip(), inactive=True)
    if platform is None:
        raise RegistrationError(
            f"No platform {issuer} with client id {client_id} is registered.",
            status=404,
            code="registration_not_found",
        )
    placements, grades = course_data(session, platform)
    if placements and not delete_data:
        platform.deactivated_at = platform.deactivated_at or utcnow()
        session.flush()
        log_event("platform_deactivated", issuer=platform.issuer, client_id=platform.client_id)
        return Removal(platform, "deactivated", placements, grades)
    session.execute(delete(Placement).where(Placement.platform_id == platform.id))
    session.delete(platform)
    session.flush()
    log_event(
        "platform_removed",
        issuer=platform.issuer,
        client_id=platform.client_id,
        placements=placements,
        grade_records=grades,
    )
    return Removal(platform, "deleted", placements, grades)
