"""pylti1p3's tool configuration backed by our tables.

Nothing in the running tool calls this any more: launches, AGS, NRPS and deep-linking
responses are validated and built by our own modules (each says why). It is kept, with its
test, for anyone who wants a pylti1p3 object (e.g. its ``MessageLaunch``) on our registrations.

Registrations come from ``Platform`` rows, deployments from ``Deployment`` rows, and the
private key from ``lti_tool.lti.keys.signing_key`` — so rotating our key needs no restart.
Every issuer may hold several client ids, so lookups always go by (issuer, client_id) when
the client id is known.
"""

from __future__ import annotations

from typing import Any

from jwcrypto import jwk
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.request import Request
from pylti1p3.tool_config.abstract import IssuerToClientRelation, ToolConfAbstract
from sqlalchemy.orm import Session

from lti_tool.lti import keys, registrations
from lti_tool.models import Platform


class DbRegistration(Registration):
    """A Registration that signs with our current key and announces its ``kid``."""

    def __init__(self, kid: str) -> None:
        self._kid = kid

    def get_kid(self) -> str | None:
        return self._kid


def registration_for(session: Session, platform: Platform) -> Registration:
    """pylti1p3's view of one ``Platform`` row, holding our current signing key."""
    kid, private_pem = keys.signing_key(session)
    public_pem = (
        jwk.JWK.from_pem(private_pem.encode()).export_to_pem(private_key=False).decode("ascii")
    )
    registration = DbRegistration(kid)
    registration.set_issuer(platform.issuer)
    registration.set_client_id(platform.client_id)
    registration.set_auth_login_url(platform.auth_login_url)
    registration.set_auth_token_url(platform.auth_token_url)
    if platform.auth_token_audience:
        registration.set_auth_audience(platform.auth_token_audience)
    registration.set_key_set_url(platform.key_set_url)
    registration.set_tool_private_key(private_pem)
    registration.set_tool_public_key(public_pem)
    return registration


class DbToolConf(ToolConfAbstract[Request]):
    """Registrations and deployments read from the database through ``session``."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # The base class keeps this dict on the class (shared by every instance): give each
        # instance its own, and say every issuer may hold several client ids.
        self.issuers_relation_types: dict[str, str] = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _platform(self, iss: str, client_id: str | None) -> Platform | None:
        return registrations.find_platform(self.session, iss, client_id)

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        platform = self._platform(iss, None)
        return registration_for(self.session, platform) if platform else None  # type: ignore[return-value]

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = self._platform(iss, client_id)
        return registration_for(self.session, platform) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        return self._deployment(self._platform(iss, None), deployment_id)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        return self._deployment(self._platform(iss, client_id), deployment_id)

    def _deployment(self, platform: Platform | None, deployment_id: str) -> LtiDeployment | None:
        if platform is None:
            return None
        if registrations.find_deployment(self.session, platform, deployment_id) is None:
            return None
        return LtiDeployment().set_deployment_id(deployment_id)


__all__ = ["DbRegistration", "DbToolConf", "IssuerToClientRelation", "registration_for"]
