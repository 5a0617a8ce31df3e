"""LTI Dynamic Registration (IMS LTI-DR 1.0): the exchange with the platform.

The platform opens ``/lti/register?openid_configuration=…&registration_token=…``; we read its
OpenID configuration, POST our client registration (``tool_configuration``), and store the
client_id and deployment it returns. pylti1p3 has no dynamic registration, hence this module.
Every failure becomes a ``DynamicRegistrationError`` written for the LMS administrator who
started the registration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session

from lti_tool.errors import N_, UserFacingError
from lti_tool.logs import log_event
from lti_tool.lti import registrations
from lti_tool.lti.claims import (
    PLATFORM_CONFIGURATION,
    SCOPE_NRPS,
    SCOPE_SCORE,
    TOOL_CONFIGURATION,
)
from lti_tool.lti.http_read import read_at_most
from lti_tool.lti.tool_configuration import tool_configuration
from lti_tool.models import Platform

# Platform documents are small; a cap keeps a wrong URL from streaming megabytes into memory.
MAX_RESPONSE_BYTES = 1024 * 1024
# The platform's error text shown to the admin is trimmed to this many characters.
MAX_ERROR_TEXT = 300


class DynamicRegistrationError(UserFacingError):
    """A registration that could not finish; the message tells the LMS admin what to do."""

    status = 502
    title = N_("Peerloop could not be registered with your LMS")


@dataclass(frozen=True)
class PlatformConfiguration:
    """The parts of the platform's OpenID configuration the registration uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    #: ``aud`` for our client assertions when it is not the token endpoint: only an absolute
    #: https URL (Canvas gives a bare host, ``sso.canvaslms.com``, and refuses it as ``aud``).
    authorization_server: str | None = None
    #: ``moodle``, ``canvas``… from the LTI platform configuration, if given.
    product_family_code: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class RegistrationOutcome:
    platform: Platform
    deployment_id: str | None
    granted_scopes: tuple[str, ...] = field(default_factory=tuple)
    product_family_code: str | None = None

    @property
    def family(self) -> str:
        """``canvas`` or ``other``: what the admin must still do differs per LMS family."""
        return "canvas" if (self.product_family_code or "").lower() == "canvas" else "other"

    @property
    def grades(self) -> bool:
        return SCOPE_SCORE in self.granted_scopes

    @property
    def roster(self) -> bool:
        return SCOPE_NRPS in self.granted_scopes


# --- talking to the platform -------------------------------------------------------------


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port); a URL that does not parse (bad port, bracket) matches nothing."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return "", "", None
    return parts.scheme, (parts.hostname or "").lower(), port


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _platform_text(text: str) -> str:
    """The platform's own explanation, from a JSON error body or plain text, trimmed."""
    body = _parse_json(text)
    if isinstance(body, dict):
        parts = [
            str(body[key])
            for key in ("error", "error_description", "message", "errors")
            if body.get(key)
        ]
        if parts:
            text = ": ".join(parts)
    text = " ".join(text.split())
    if len(text) > MAX_ERROR_TEXT:
        text = text[: MAX_ERROR_TEXT - 1] + "…"
    return text


def _request(
    method: str,
    url: str,
    *,
    what: str,
    token: str | None,
    timeout: float,
    json_body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON object the platform answers ``method url`` with; DynamicRegistrationError
    (in words for the LMS administrator) for no answer, an error status or an unreadable body."""
    host = urlsplit(url).netloc
    response = _send(method, url, what=what, token=token, timeout=timeout, json_body=json_body)
    with response:
        text = _read_text(response, host, what)
    body = _parse_json(text)
    if not isinstance(body, dict):
        raise DynamicRegistrationError(
            f"Your LMS at {host} sent a {what} Peerloop cannot read (it is not a JSON object). "
            "Check that the registration URL points to an LTI 1.3 platform.",
            code="registration_platform_malformed",
        )
    return body


def _send(
    method: str,
    url: str,
    *,
    what: str,
    token: str | None,
    timeout: float,
    json_body: dict[str, Any] | None,
) -> requests.Response:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    host = urlsplit(url).netloc
    try:
        response = requests.request(
            method,
            url,
            headers=headers,
            json=json_body,
            timeout=timeout,
            allow_redirects=method == "GET",
            stream=True,
        )
    except requests.Timeout as exc:
        raise DynamicRegistrationError(
            f"Peerloop could not reach your LMS at {host}: it did not answer the {what} "
            f"request within {timeout:g} seconds. Check that the LMS is up, then start the "
            "registration again from your LMS.",
            code="registration_platform_timeout",
        ) from exc
    except requests.RequestException as exc:
        raise DynamicRegistrationError(
            f"Peerloop could not reach your LMS at {host} to read its {what}. Check that "
            "this LMS address is reachable from the Peerloop server, then start the "
            "registration again from your LMS.",
            code="registration_platform_unreachable",
        ) from exc
    return response


def _read_text(response: requests.Response, host: str, what: str) -> str:
    """The body as text, at most ``MAX_RESPONSE_BYTES``; an error status or a cut-off body
    becomes a DynamicRegistrationError."""
    try:
        raw = read_at_most(response, MAX_RESPONSE_BYTES)
    except requests.RequestException as exc:
        raise DynamicRegistrationError(
            f"Your LMS at {host} stopped answering while sending its {what}. "
            "Start the registration again from your LMS.",
            code="registration_platform_unreachable",
        ) from exc
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    if response.status_code in (401, 403):
        raise DynamicRegistrationError(
            f"Your LMS refused the request for its {what}: the registration token was "
            "refused (it may have expired or been used already) — start the "
            "registration again from your LMS.",
            status=400,
            code="registration_token_refused",
        )
    if response.status_code >= 400:
        detail = _platform_text(text)
        said = f" It said: “{detail}”." if detail else ""
        raise DynamicRegistrationError(
            f"Your LMS at {host} answered the {what} request with error "
            f"{response.status_code}.{said} Check the LMS's LTI settings, then start the "
            "registration again from your LMS.",
            code="registration_platform_refused",
        )
    if len(raw) > MAX_RESPONSE_BYTES:
        raise DynamicRegistrationError(
            f"Your LMS at {host} sent a {what} larger than Peerloop accepts.",
            code="registration_platform_malformed",
        )
    return text


def _string(value: Any) -> str | None:
    """Platforms send ids as strings or numbers; blanks count as missing."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        return str(value).strip() or None
    return None


def read_platform_configuration(
    openid_configuration_url: str, body: dict[str, Any]
) -> PlatformConfiguration:
    """Check the OpenID configuration document and keep what registration needs."""
    required = (
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
    )
    values = {key: _string(body.get(key)) for key in required}
    missing = [key for key, value in values.items() if not value]
    if missing:
        raise DynamicRegistrationError(
            "Your LMS's OpenID configuration is incomplete: it lacks "
            + ", ".join(missing)
            + ". Check that LTI 1.3 dynamic registration is enabled in the LMS.",
            code="registration_platform_malformed",
        )
    issuer = values["issuer"] or ""
    # LTI-DR §3.5.1: the issuer must be on the same origin as the configuration URL, so a
    # registration link cannot make us trust keys of a platform on another site.
    if _origin(issuer) != _origin(openid_configuration_url):
        raise DynamicRegistrationError(
            f"The LMS says its issuer is {issuer}, which is not the site the registration "
            f"came from ({urlsplit(openid_configuration_url).netloc}). Peerloop stopped for "
            "safety: check the LMS's configured site address (its issuer), then start the "
            "registration again.",
            status=400,
            code="registration_issuer_mismatch",
        )
    lti = body.get(PLATFORM_CONFIGURATION)
    lti = lti if isinstance(lti, dict) else {}
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=values["authorization_endpoint"] or "",
        token_endpoint=values["token_endpoint"] or "",
        jwks_uri=values["jwks_uri"] or "",
        registration_endpoint=values["registration_endpoint"] or "",
        authorization_server=_audience(body.get("authorization_server")),
        product_family_code=_string(lti.get("product_family_code")),
        version=_string(lti.get("version")),
    )


def _audience(value: Any) -> str | None:
    """``authorization_server`` when it is an absolute https URL; otherwise None (the token
    endpoint is the audience). Canvas sends a bare host and accepts only its token URL."""
    text = _string(value)
    if not text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme == "https" and parts.hostname else None


def granted_scopes(body: dict[str, Any]) -> tuple[str, ...]:
    """Scopes the platform granted: a space-separated string per spec, or a list (seen too)."""
    scope = body.get("scope")
    if isinstance(scope, str):
        return tuple(scope.split())
    if isinstance(scope, list):
        return tuple(str(s) for s in scope)
    return ()


def _deployment_id(body: dict[str, Any]) -> str | None:
    tool = body.get(TOOL_CONFIGURATION)
    if isinstance(tool, dict) and _string(tool.get("deployment_id")):
        return _string(tool.get("deployment_id"))
    # Tolerate a platform that puts it at the top level.
    return _string(body.get("deployment_id"))


def register(
    session: Session,
    *,
    openid_configuration: str | None,
    registration_token: str | None,
    base_url: str,
    timeout: float,
    allow_loopback_http: bool = True,
) -> RegistrationOutcome:
    """Run the whole registration and store the platform and deployment (flushed).

    ``allow_loopback_http`` admits http://localhost platforms (development, tests); a
    production server refuses them so a registration link cannot aim it at local services.
    """
    config_url = _configuration_url(openid_configuration, base_url, allow_loopback_http)
    token = (registration_token or "").strip() or None
    config = read_platform_configuration(
        config_url,
        _request("GET", config_url, what="OpenID configuration", token=token, timeout=timeout),
    )
    _check_endpoints(config, allow_loopback_http)
    registration_url = config.registration_endpoint
    answer = _request(
        "POST",
        registration_url,
        what="tool registration",
        token=token,
        timeout=timeout,
        json_body=tool_configuration(base_url, config.product_family_code),
    )
    client_id = _string(answer.get("client_id"))
    if not client_id:
        raise DynamicRegistrationError(
            "Your LMS accepted the registration but did not return a client_id, so Peerloop "
            "cannot recognise its launches. Start the registration again from your LMS.",
            code="registration_platform_malformed",
        )
    deployment_id = _deployment_id(answer)
    platform = _store(session, config, client_id, deployment_id)
    # The registration endpoint is on the LMS's own site (Canvas: the school's domain, while
    # its issuer and login URL are shared by every school): its pages frame the tool.
    _allow_framing_from(platform, registration_url)
    scopes = granted_scopes(answer)
    log_event(
        "dynamic_registration_completed",
        issuer=config.issuer,
        client_id=client_id,
        deployment_id=deployment_id,
        product=config.product_family_code,
        scopes=list(scopes),
    )
    return RegistrationOutcome(platform, deployment_id, scopes, config.product_family_code)


def _configuration_url(value: str | None, base_url: str, allow_loopback_http: bool) -> str:
    """The ``openid_configuration`` parameter, checked; a 400 that says what to do if bad."""
    if not (value or "").strip():
        raise DynamicRegistrationError(
            "This page must be opened by your LMS's “register a tool” step: the "
            "openid_configuration parameter is missing. In your LMS, register a new LTI "
            f"tool and give it the URL {base_url}/lti/register.",
            status=400,
            code="registration_missing_parameter",
        )
    try:
        return registrations.check_url(
            value, "openid_configuration URL", allow_loopback_http=allow_loopback_http
        )
    except registrations.RegistrationError as exc:
        raise DynamicRegistrationError(
            exc.message, status=400, code="registration_bad_parameter"
        ) from exc


def _check_endpoints(config: PlatformConfiguration, allow_loopback_http: bool) -> None:
    try:
        for value, label in (
            (config.authorization_endpoint, "authorization_endpoint"),
            (config.token_endpoint, "token_endpoint"),
            (config.jwks_uri, "jwks_uri"),
            (config.registration_endpoint, "registration_endpoint"),
        ):
            registrations.check_url(value, label, allow_loopback_http=allow_loopback_http)
    except registrations.RegistrationError as exc:
        raise DynamicRegistrationError(
            f"Your LMS's OpenID configuration is not usable: {exc.message}",
            code="registration_platform_malformed",
        ) from exc


def _store(
    session: Session, config: PlatformConfiguration, client_id: str, deployment_id: str | None
) -> Platform:
    try:
        platform = registrations.find_platform(session, config.issuer, client_id)
        if platform is None:
            platform = registrations.add_platform(
                session,
                issuer=config.issuer,
                client_id=client_id,
                auth_login_url=config.authorization_endpoint,
                auth_token_url=config.token_endpoint,
                key_set_url=config.jwks_uri,
                auth_token_audience=config.authorization_server,
                name=(config.product_family_code or "").capitalize() or None,
                source="dynamic",
            )
        else:
            # The platform handed out the same client_id again: refresh its endpoints.
            _refresh(platform, config)
        if deployment_id:
            registrations.record_deployment(session, platform, deployment_id, "registration")
        session.flush()
        return platform
    except registrations.RegistrationError as exc:
        raise DynamicRegistrationError(
            f"Your LMS's registration details are not usable: {exc.message}",
            code="registration_platform_malformed",
        ) from exc


def _allow_framing_from(platform: Platform, url: str) -> None:
    parts = urlsplit(url)
    try:
        origin = registrations.check_origin(f"{parts.scheme}://{parts.netloc}")
    except registrations.RegistrationError:
        return  # an origin no CSP source can name: the issuer and login URL still apply
    platform.frame_origins = registrations.merge_origins(platform.frame_origins, [origin])


def _refresh(platform: Platform, config: PlatformConfiguration) -> None:
    platform.auth_login_url = registrations.check_url(
        config.authorization_endpoint, "login (authorization) URL"
    )
    platform.auth_token_url = registrations.check_url(config.token_endpoint, "token URL")
    platform.key_set_url = registrations.check_url(config.jwks_uri, "platform keyset URL")
    platform.auth_token_audience = config.authorization_server
