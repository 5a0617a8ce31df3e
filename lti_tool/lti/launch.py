"""LTI 1.3 launch validation: the id_token the platform posts to ``/lti/launch``.

Choice of library. pylti1p3 2.0.0 (Nov 2022) and the maintained fork pylti1p3next 2.0.2 (same
import name; typed, finer exception classes, an injectable service connector, dynamic
registration) share the same ``MessageLaunch``: it decodes with ``verify_aud`` off and no
leeway, has no ``azp`` check, does not require ``exp``, keeps state and nonce in the web session,
caches the platform JWKS without refetching on an unknown ``kid``, fetches it without a timeout,
and reports failures as one generic exception whose text is written for developers. Closing
those gaps by subclassing would override nearly every ``validate_*`` method. So the launch is
validated here with PyJWT (and AGS, NRPS and deep-linking responses are hand-written too, see
their modules): an allow-listed RSA algorithm, the platform's key by ``kid`` from the shared
JWKS cache, required ``exp``/``iat`` with a configurable leeway, ``aud``
and ``azp``, a nonce consumed exactly once in the shared store, and each failure turned into a
``LaunchError`` that says what failed in an LMS administrator's words.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit

import jwt
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from lti_tool.config import Settings
from lti_tool.errors import N_
from lti_tool.lti import registrations
from lti_tool.lti.claims import (
    AGS_CLAIM,
    CLAIM,
    DL_CLAIM,
    LAUNCH_MESSAGE_TYPES,
    NRPS_CLAIM,
    RESOURCE_LINK_REQUEST,
)
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.errors import (
    InvalidLaunchMessageError,
    LaunchStateError,
    RegistrationMismatchError,
)
from lti_tool.lti.jwks_cache import JwksCache
from lti_tool.lti.launch_state import LaunchStore, LoginState, consume_nonce
from lti_tool.lti.roles import normalise_roles
from lti_tool.models import Deployment, Platform

#: Asymmetric algorithms only: ``none`` and HMAC (which would let anyone holding the platform's
#: *public* key sign) are refused before any key is looked at.
ALGORITHMS = ("RS256", "RS384", "RS512")
#: An id_token larger than this is refused unread.
MAX_ID_TOKEN_BYTES = 64 * 1024


@dataclass(frozen=True)
class ValidatedLaunch:
    """A launch whose signature, time, audience, nonce and claims all checked out."""

    platform: Platform
    deployment_id: str
    claims: dict[str, Any]
    #: How long its nonce must stay consumed (the id_token's own lifetime, at least the
    #: login's): see ``check_launch``.
    nonce_ttl: int = 0


def _moment(timestamp: float) -> datetime | str:
    """A claim's time for a message's values: the error page writes it the reader's way."""
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, ValueError, OSError):
        return str(timestamp)


def _plain(value: str) -> bool:
    """Printable and of a sane length: anything else cannot be a registered identifier
    (and a NUL would make PostgreSQL refuse the query)."""
    return len(value) <= 1024 and value.isprintable()


def _unverified(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of ``id_token`` before any check, or InvalidLaunchMessageError."""
    if len(id_token.encode("utf-8", "replace")) > MAX_ID_TOKEN_BYTES:
        raise InvalidLaunchMessageError(
            f"The launch message from the LMS is larger than {MAX_ID_TOKEN_BYTES // 1024} KB, "
            "which no valid launch is. Check the custom parameters configured for this tool.",
            status=413,
            code="id_token_too_large",
        )
    try:
        # Header and claims in one pass (the signature is checked later, with the key the
        # header names).
        unverified = jwt.decode_complete(id_token, options={"verify_signature": False})
        header, claims = unverified["header"], unverified["payload"]
    except jwt.PyJWTError as exc:
        raise InvalidLaunchMessageError(
            "The LMS posted an id_token that is not a valid signed JSON Web Token. Check that "
            "the LMS is configured for LTI 1.3 (not LTI 1.1) with Peerloop's launch URL.",
            code="id_token_not_jwt",
        ) from exc
    if not isinstance(claims, dict) or not isinstance(header, dict):
        raise InvalidLaunchMessageError("The id_token holds no claims.", code="id_token_not_jwt")
    return header, claims


def _check_algorithm(header: dict[str, Any]) -> str:
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise InvalidLaunchMessageError(
            f"The launch message is signed with algorithm {alg!r}; Peerloop accepts only "
            f"{', '.join(ALGORITHMS)} signatures with the LMS's published RSA key. Unsigned "
            "('none') or shared-secret (HS256) launches are refused.",
            code="algorithm_refused",
        )
    return str(alg)


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return aud
    return []


def _check_audience(claims: dict[str, Any], client_id: str) -> None:
    audiences = _audiences(claims)
    if client_id not in audiences:
        raise InvalidLaunchMessageError(
            f"The launch message is addressed to client id(s) {', '.join(audiences) or '(none)'}"
            f", but this LMS's registration with Peerloop has client id {client_id}. Check the "
            "client id in the LMS's tool configuration.",
            code="wrong_audience",
        )
    # IMS Security Framework 5.1.3 (OpenID Connect Core 3.1.3.7, steps 4-5): azp is needed
    # when there are several audiences, and when present, even beside one aud, must be ours.
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise InvalidLaunchMessageError(
            f"The launch message is addressed to {', '.join(audiences)}, and its authorized "
            f"party (azp) is {azp!r} instead of Peerloop's client id {client_id}.",
            code="wrong_azp",
        )


def _check_signature(
    id_token: str, alg: str, key: Any, platform: Platform, claims: dict[str, Any], leeway: int
) -> None:
    try:
        jwt.decode(
            id_token,
            key,
            algorithms=[alg],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=leeway,
            options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
        )
    except jwt.InvalidSignatureError as exc:
        raise InvalidLaunchMessageError(
            "The launch message's signature does not match the LMS's published key. The "
            "message was altered, or the LMS signs with a key it does not publish at "
            f"{platform.key_set_url}.",
            code="bad_signature",
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidLaunchMessageError(
            f"The launch message has no {exc.claim!r} claim, which LTI 1.3 requires.",
            code=f"missing_{exc.claim}",
        ) from exc
    except jwt.ExpiredSignatureError as exc:
        now = datetime.now(UTC).timestamp()
        exp = float(claims.get("exp", 0))
        raise InvalidLaunchMessageError(
            N_(
                "The launch message expired at %(when)s, %(seconds)s seconds before Peerloop "
                "received it (clock leeway %(leeway)s s). Open the activity again; if it keeps "
                "happening, the LMS server's clock is wrong."
            ),
            code="expired",
            params={"when": _moment(exp), "seconds": f"{now - exp:.0f}", "leeway": leeway},
        ) from exc
    except jwt.ImmatureSignatureError as exc:
        now = datetime.now(UTC).timestamp()
        iat = float(claims.get("iat", claims.get("nbf", 0)))
        raise InvalidLaunchMessageError(
            N_(
                "The launch message was issued at %(when)s, %(seconds)s seconds in Peerloop's "
                "future (clock leeway %(leeway)s s): the clocks of the LMS and Peerloop "
                "differ. Ask the LMS administrator to synchronise the LMS server's clock (NTP)."
            ),
            code="clock_skew",
            params={"when": _moment(iat), "seconds": f"{iat - now:.0f}", "leeway": leeway},
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidLaunchMessageError(
            f"The launch message is not addressed to Peerloop's client id {platform.client_id}.",
            code="wrong_audience",
        ) from exc
    except jwt.PyJWTError as exc:
        raise InvalidLaunchMessageError(
            f"The launch message was refused: {exc}.", code="id_token_invalid"
        ) from exc


def _check_message(claims: dict[str, Any], settings: Settings) -> str:
    """The message type, after checking the claims LTI 1.3 requires of it."""
    message_type = claims.get(CLAIM + "message_type")
    if message_type not in LAUNCH_MESSAGE_TYPES:
        raise InvalidLaunchMessageError(
            f"The LMS sent a launch of type {message_type!r}; Peerloop handles "
            f"{' and '.join(LAUNCH_MESSAGE_TYPES)}. Check the placement configured in the LMS.",
            code="wrong_message_type",
        )
    version = claims.get(CLAIM + "version")
    if version != "1.3.0":
        raise InvalidLaunchMessageError(
            f"The launch message says LTI version {version!r}; Peerloop speaks LTI 1.3.0.",
            code="wrong_lti_version",
        )
    roles = claims.get(CLAIM + "roles")
    if not isinstance(roles, list):
        raise InvalidLaunchMessageError(
            "The launch message has no roles claim, so Peerloop cannot tell instructors from "
            "learners. The LMS must send the roles claim (an empty list is allowed).",
            code="missing_roles",
        )
    if message_type == RESOURCE_LINK_REQUEST:
        if not claims.get("sub"):
            raise InvalidLaunchMessageError(
                N_(
                    "The launch message does not say who the user is (no 'sub' claim). "
                    "Peerloop activities need a signed-in user: check the LMS's privacy "
                    "settings for the tool."
                ),
                code="missing_sub",
            )
        link = claims.get(CLAIM + "resource_link")
        if not isinstance(link, dict) or not link.get("id"):
            raise InvalidLaunchMessageError(
                "The launch message has no resource link id, which LTI 1.3 requires of a "
                "resource link launch.",
                code="missing_resource_link",
            )
    else:
        dl = claims.get(DL_CLAIM + "deep_linking_settings")
        if not isinstance(dl, dict) or not dl.get("deep_link_return_url"):
            raise InvalidLaunchMessageError(
                "The deep-linking request has no deep_link_return_url, so Peerloop could not "
                "send the chosen activity back to the LMS.",
                code="missing_deep_linking_settings",
            )
    target = claims.get(CLAIM + "target_link_uri")
    if not isinstance(target, str) or not _same_origin(target, settings.base_url):
        raise InvalidLaunchMessageError(
            f"The launch is for {target!r}, which is not Peerloop at {settings.base_url}. "
            "Check the tool URL configured in the LMS.",
            code="target_link_uri_foreign",
        )
    return str(message_type)


def _same_origin(url: str, base_url: str) -> bool:
    try:
        a, b = urlsplit(url), urlsplit(base_url)
        return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
    except ValueError:
        return False


def is_our_url(url: str, settings: Settings) -> bool:
    """Whether ``url`` points at this tool (scheme, host and port of ``base_url``)."""
    return _same_origin(url, settings.base_url)


def _deployment(
    session: Session,
    platform: Platform,
    claims: dict[str, Any],
    policy: str,
    found: Deployment | None = None,
) -> Deployment:
    """The launch's deployment of ``platform``; ``found``: the one read with the platform
    (see ``known_registration``), if it is the claim's."""
    deployment_id = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment_id, str) or not deployment_id:
        raise InvalidLaunchMessageError(
            "The launch message has no deployment id, which LTI 1.3 requires.",
            code="missing_deployment_id",
        )
    deployment_id = registrations.check_identifier(deployment_id, "deployment id")
    if found is None or found.deployment_id != deployment_id:
        found = registrations.find_deployment(session, platform, deployment_id)
    if found is not None:
        return found
    if policy != "record":
        raise RegistrationMismatchError(
            N_(
                "The deployment %(deployment)s of %(issuer)s is not registered with Peerloop. "
                "Ask your LMS administrator to add this deployment id to Peerloop's "
                "registration (for example with `peerloop platform add-deployment`)."
            ),
            code="unknown_deployment",
            params={"deployment": repr(deployment_id), "issuer": platform.issuer},
        )
    # A new deployment of a known registration (e.g. a course copy): recorded, per policy.
    return registrations.record_deployment(session, platform, deployment_id, source="launch")


def _require_issuer(session: Session, issuer: str) -> None:
    if (
        _plain(issuer)
        and session.scalars(
            select(Platform.id)
            # A deactivated registration (``platform remove``) launches nothing.
            .where(Platform.issuer == issuer, Platform.deactivated_at.is_(None))
            .limit(1)
        ).first()
    ):
        return
    raise _unknown_issuer(issuer)


def _unknown_issuer(issuer: str) -> RegistrationMismatchError:
    return RegistrationMismatchError(
        N_(
            "This LMS (issuer %(issuer)s) is not registered with Peerloop. Ask your LMS "
            "administrator to register it (Dynamic Registration or `peerloop platform add`)."
        ),
        code="unknown_issuer",
        params={"issuer": issuer},
    )


#: A login's or launch's registration in one statement: the issuer's active registrations,
#: the one with the given client id first (two at most, to tell an ambiguous login without a
#: client id), each with the given deployment if it has it. Built once (its compiled form is
#: cached); deactivated registrations are never read, so a deactivation holds at once.
_REGISTRATION = (
    select(Platform, Deployment)
    .outerjoin(
        Deployment,
        and_(
            Deployment.platform_id == Platform.id,
            Deployment.deployment_id == bindparam("deployment_id"),
        ),
    )
    .where(Platform.issuer == bindparam("issuer"), Platform.deactivated_at.is_(None))
    .order_by((Platform.client_id == bindparam("client_id")).desc(), Platform.id)
    .limit(2)
)


def known_registration(
    session: Session, issuer: str, client_id: str | None, deployment_id: str | None = None
) -> tuple[Platform, Deployment | None]:
    """The active registration of ``issuer`` (and ``client_id``), and its deployment
    ``deployment_id`` if it has it, in one query; a RegistrationMismatchError when there is
    none."""
    rows = []
    if _plain(issuer):
        if client_id is not None and not _plain(client_id):
            client_id = repr(client_id)  # matches no registration, and prints safely
        if deployment_id is not None and not _plain(deployment_id):
            deployment_id = None
        params = {"issuer": issuer, "client_id": client_id, "deployment_id": deployment_id}
        rows = [(row[0], row[1]) for row in session.execute(_REGISTRATION, params)]
    if not rows:
        raise _unknown_issuer(issuer)
    platform, deployment = rows[0]
    if client_id is None and len(rows) > 1:
        registrations.find_platform(session, issuer)  # raises: which registration is meant?
    if client_id is not None and platform.client_id != client_id:
        raise RegistrationMismatchError(
            N_(
                "The LMS %(issuer)s is registered with Peerloop, but not with client id "
                "%(client_id)s. Ask your LMS administrator to check the client id, or to "
                "register this tool configuration with Peerloop."
            ),
            code="unknown_client_id",
            params={"issuer": issuer, "client_id": client_id},
        )
    return platform, deployment


def known_platform(session: Session, issuer: str, client_id: str | None) -> Platform:
    """The registration of ``issuer`` (and ``client_id``), or a RegistrationMismatchError."""
    return known_registration(session, issuer, client_id)[0]


def validate_launch(
    session: Session,
    store: LaunchStore,
    settings: Settings,
    id_token: str,
    login: LoginState,
    *,
    key_store: LaunchStore | None = None,
) -> ValidatedLaunch:
    """Check ``id_token`` against the login that started it; consume its nonce (in
    ``store``, which may join the caller's transaction).

    ``key_store`` (default ``store``) caches the platform's key set and rate-limits its
    refetches: it must keep its writes even when the launch is refused (see ``JwksCache``).
    Raises a ``LaunchError`` naming what failed; nothing else for any input.
    """
    validated = check_launch(session, store, settings, id_token, login, key_store=key_store)
    if not consume_nonce(store, login.nonce, validated.nonce_ttl):
        raise_replay()
    return validated


def check_launch(
    session: Session,
    store: LaunchStore,
    settings: Settings,
    id_token: str,
    login: LoginState,
    *,
    key_store: LaunchStore | None = None,
) -> ValidatedLaunch:
    """``validate_launch`` but for the nonce, which the caller **must** then consume (for
    ``nonce_ttl`` seconds) in the same transaction, before anything of the launch is kept,
    refusing the launch if it was used (``launch_state.consume_nonce_for_page`` does, with
    the launch's page id in the same statement)."""
    header, claims = _unverified(id_token)
    alg = _check_algorithm(header)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidLaunchMessageError(
            "The launch message has no issuer (iss).", code="missing_iss"
        )
    if issuer != login.issuer:
        _require_issuer(session, issuer)  # an unknown issuer says so first
        raise LaunchStateError(
            N_(
                "The launch came from %(issuer)s, but the login that preceded it from "
                "%(login_issuer)s. Open the activity again from your LMS."
            ),
            code="state_mismatch",
            params={"issuer": issuer, "login_issuer": login.issuer},
        )
    claimed = claims.get(CLAIM + "deployment_id")
    platform, found = known_registration(
        session, issuer, login.client_id, claimed if isinstance(claimed, str) else None
    )
    _check_audience(claims, platform.client_id)
    key = JwksCache(key_store or store, settings.http_timeout_seconds).key_for(
        platform.key_set_url, header.get("kid")
    )
    _check_signature(id_token, alg, key.key, platform, claims, settings.clock_leeway_seconds)
    if claims.get("nonce") != login.nonce:
        raise LaunchStateError(
            N_(
                "The launch message's nonce does not belong to the login started in this "
                "browser. Open the activity again from your LMS."
            ),
            code="state_mismatch",
        )
    _check_message(claims, settings)
    deployment = _deployment(session, platform, claims, settings.deployment_policy, found)
    exp = float(claims["exp"])
    ttl = max(int(exp - datetime.now(UTC).timestamp()) + settings.clock_leeway_seconds, 60)
    nonce_ttl = max(ttl, settings.launch_state_ttl_seconds)
    return ValidatedLaunch(platform, deployment.deployment_id, claims, nonce_ttl)


def raise_replay() -> NoReturn:
    raise LaunchStateError(
        N_(
            "This launch message was already used (its nonce was seen before): a launch can "
            "be used once. Open the activity again from your LMS."
        ),
        title=N_("This launch was already used"),
        code="nonce_replayed",
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def build_context(launch: ValidatedLaunch) -> LaunchContext:
    """The LaunchContext views get, roles normalised to short names."""
    claims = launch.claims
    context = claims.get(CLAIM + "context") or {}
    link = claims.get(CLAIM + "resource_link") or {}
    custom = claims.get(CLAIM + "custom")
    platform_claim = claims.get(CLAIM + "tool_platform")
    presentation = claims.get(CLAIM + "launch_presentation")
    # The language of this launch's page (LTI), else the person's (OpenID Connect).
    shown_in = _str(presentation.get("locale")) if isinstance(presentation, dict) else None
    return LaunchContext(
        platform_id=launch.platform.id,
        issuer=launch.platform.issuer,
        client_id=launch.platform.client_id,
        deployment_id=launch.deployment_id,
        message_type=str(claims.get(CLAIM + "message_type")),
        sub=_str(claims.get("sub")),
        roles=normalise_roles(claims.get(CLAIM + "roles") or []),
        name=_str(claims.get("name")),
        email=_str(claims.get("email")),
        locale=shown_in or _str(claims.get("locale")),
        context_id=_str(context.get("id")) if isinstance(context, dict) else None,
        context_title=_str(context.get("title")) if isinstance(context, dict) else None,
        resource_link_id=_str(link.get("id")) if isinstance(link, dict) else None,
        resource_link_title=_str(link.get("title")) if isinstance(link, dict) else None,
        tool_platform=platform_claim if isinstance(platform_claim, dict) else {},
        deep_linking_settings=_dict_or_none(claims.get(DL_CLAIM + "deep_linking_settings")),
        ags_endpoint=_dict_or_none(claims.get(AGS_CLAIM)),
        nrps=_dict_or_none(claims.get(NRPS_CLAIM)),
        custom=custom if isinstance(custom, dict) else {},
        target_link_uri=_str(claims.get(CLAIM + "target_link_uri")),
        launch_id=secrets.token_urlsafe(16),
        launched_at=time.time(),
    )


def _dict_or_none(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None
