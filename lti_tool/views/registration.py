"""Registration URLs: LTI Dynamic Registration, our JWKS, and the Canvas developer-key JSON."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue

from lti_tool import security
from lti_tool.db import current_settings, get_session
from lti_tool.logs import log_event
from lti_tool.lti import dynamic_registration, keys, tool_configuration
from lti_tool.lti.dynamic_registration import DynamicRegistrationError

bp = Blueprint("registration", __name__)

# LMSs open /lti/register in an iframe of their own pages before they are registered, so the
# usual frame-ancestors list (registered platforms) would block it. Framing it anywhere is
# harmless: the registration runs on load, and the page's only control tells the opener to
# close the dialog.
REGISTRATION_CSP = "frame-ancestors *"


@bp.get("/lti/register")
def register() -> ResponseReturnValue:
    """Opened by the LMS (in an iframe or a new window) with openid_configuration + token."""
    session = get_session()
    try:
        outcome = dynamic_registration.register(
            session,
            openid_configuration=request.args.get("openid_configuration"),
            registration_token=request.args.get("registration_token"),
            base_url=current_settings().base_url,
            timeout=current_settings().http_timeout_seconds,
            allow_loopback_http=not current_settings().is_production,
        )
        session.commit()
    except DynamicRegistrationError as error:
        session.rollback()
        log_event(
            "dynamic_registration_failed",
            logging.WARNING,
            code=error.code,
            status=error.status,
            reason=error.message,
        )
        response = make_response(
            render_template("registration/failed.html", error=error), error.status
        )
    else:
        # Let the new platform frame launches at once rather than after the CSP cache expires.
        security.forget_frame_ancestors(current_app)
        response = make_response(
            render_template(
                "registration/done.html",
                outcome=outcome,
                reject_new_deployments=current_settings().deployment_policy == "reject",
            )
        )
    response.headers["Content-Security-Policy"] = REGISTRATION_CSP
    return response


@bp.get("/lti/jwks")
def jwks() -> ResponseReturnValue:
    """Our public keys (current and retiring); the first key is made on the first request."""
    session = get_session()
    keys.signing_key(session)
    session.commit()
    response = jsonify(keys.published_jwks(session))
    # Short cache: platforms refetch on an unknown kid, and a rotation shows within minutes.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/lti/canvas.json")
def canvas_json() -> dict[str, Any]:
    return tool_configuration.canvas_configuration(current_settings().base_url)
