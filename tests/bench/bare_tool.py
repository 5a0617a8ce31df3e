"""The yardstick of bench_launch: a bare pylti1p3 Flask tool that only validates the launch.

Its OIDC login keeps state and nonce in Flask's signed session cookie, as pylti1p3 does by
default, and its registration is a ``ToolConfDict`` holding the platform's key set (so it
never fetches it); the launch is validated by ``FlaskMessageLaunch`` and answered with a few
bytes. Nothing is stored, rendered or recorded: what every LTI tool must do, and no more.
A development dependency only (``pylti1p3`` is no runtime dependency of Peerloop).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.tool_config import ToolConfDict
from werkzeug.wrappers import Response as BaseResponse

from tests.support.platform_signer import PlatformSigner


def create_bare_tool(signer: PlatformSigner, base_url: str) -> Flask:
    """The bare tool for ``signer``'s platform, at ``base_url``."""
    conf = ToolConfDict(
        {
            signer.issuer: [
                {
                    "default": True,
                    "client_id": signer.client_id,
                    "auth_login_url": signer.auth_login_url,
                    "auth_token_url": f"{signer.issuer}/token",
                    "auth_audience": None,
                    "key_set_url": None,
                    "key_set": signer.jwks(),
                    "deployment_ids": [signer.deployment_id],
                }
            ]
        }
    )
    app = Flask("bare_pylti1p3_tool")
    app.config.update(SECRET_KEY="bench-only-secret-key-bench-only", SESSION_COOKIE_SAMESITE="Lax")

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> BaseResponse:
        oidc = FlaskOIDCLogin(FlaskRequest(), conf)
        response: BaseResponse = oidc.disable_check_cookies().redirect(
            request.values.get("target_link_uri") or f"{base_url}/lti/launch"
        )
        return response

    @app.post("/lti/launch")
    def launch() -> str:
        data: dict[str, Any] = FlaskMessageLaunch(FlaskRequest(), conf).get_launch_data()
        return f"ok {data['sub']}"

    return app
