"""A small LMS for dynamic-registration tests: an OpenID configuration and a registration
endpoint served over real HTTP on loopback, whose answers each test can change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@dataclass
class StubPlatform:
    """What the platform answers, and what it was sent."""

    token: str = "registration-token-1"
    client_id: Any = "client-from-dr"
    deployment_id: Any = "deployment-7"
    product: str = "moodle"
    #: Changes to the OpenID configuration (None removes a field).
    config_changes: dict[str, Any] = field(default_factory=dict)
    #: Replaces the registration answer: (status, body text, content type).
    registration_answer: tuple[int, str, str] | None = None
    #: Replaces the OpenID configuration answer: (status, body text, content type).
    config_answer: tuple[int, str, str] | None = None
    #: Granted scope, as the platform writes it (a string, or a list as some platforms do).
    granted_scope: Any = None
    registrations: list[dict[str, Any]] = field(default_factory=list)
    config_authorizations: list[str | None] = field(default_factory=list)
    url: str = ""

    @property
    def openid_configuration_url(self) -> str:
        return f"{self.url}/lti/openid-configuration"

    def app(self) -> Flask:
        app = Flask("stub_platform")

        @app.get("/lti/openid-configuration")
        def openid_configuration() -> Any:
            self.config_authorizations.append(request.headers.get("Authorization"))
            if self.config_answer:
                status, body, content_type = self.config_answer
                return Response(body, status=status, content_type=content_type)
            base = request.host_url.rstrip("/")
            config: dict[str, Any] = {
                "issuer": base,
                "authorization_endpoint": f"{base}/lti/auth",
                "token_endpoint": f"{base}/lti/token",
                "jwks_uri": f"{base}/lti/certs",
                "registration_endpoint": f"{base}/lti/register-tool",
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "scopes_supported": ["openid"],
                "response_types_supported": ["id_token"],
                "id_token_signing_alg_values_supported": ["RS256"],
                PLATFORM_CONFIGURATION: {
                    "product_family_code": self.product,
                    "version": "4.3",
                    "messages_supported": [
                        {"type": "LtiResourceLinkRequest"},
                        {"type": "LtiDeepLinkingRequest"},
                    ],
                },
            }
            for key, value in self.config_changes.items():
                if value is None:
                    config.pop(key, None)
                else:
                    config[key] = value
            return jsonify(config)

        @app.post("/lti/register-tool")
        def register_tool() -> Any:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return jsonify(error="invalid_token"), 401
            body = request.get_json()
            self.registrations.append(body)
            if self.registration_answer:
                status, text, content_type = self.registration_answer
                return Response(text, status=status, content_type=content_type)
            tool = dict(body[TOOL_CONFIGURATION])
            tool["deployment_id"] = self.deployment_id
            answer = dict(body, client_id=self.client_id)
            answer[TOOL_CONFIGURATION] = tool
            if self.granted_scope is not None:
                answer["scope"] = self.granted_scope
            return jsonify(answer)

        return app
