"""The Flask application factory."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool import errors, input_guard, lrs, security, web
from lti_tool.config import Settings
from lti_tool.logs import configure_logging

ROOT = Path(__file__).resolve().parent.parent

# Each feature module exposes ``bp`` (a Blueprint); listed here so the URL map has one home.
BLUEPRINTS = (
    "lti_tool.views.home",
    "lti_tool.views.registration",
    "lti_tool.views.launch",
    "lti_tool.views.deep_linking",
    "lti_tool.views.xapi_profile",
    "lti_tool.views.activity_events",
)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app. ``settings`` defaults to the PEERLOOP_* environment variables."""
    settings = settings or Settings()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "lti_tool" / "static"),
        instance_path=str(Path.cwd() / "instance"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        PEERLOOP=settings,
        # Inside an LMS iframe our cookies are third-party: they must be Secure; SameSite=None
        # behind TLS. Launch identity does not depend on them (see lti_tool.launch_context).
        SESSION_COOKIE_SAMESITE="None" if settings.base_url.startswith("https") else "Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    configure_logging(settings.log_level)
    if settings.proxy_fix_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxy_fix_hops,
            x_proto=settings.proxy_fix_hops,
            x_host=settings.proxy_fix_hops,
            x_port=settings.proxy_fix_hops,
        )
    web.init_app(app, settings)
    errors.init_app(app)
    input_guard.init_app(app)  # no NUL reaches a view (PostgreSQL text cannot hold one)
    security.init_app(app)  # CSP frame-ancestors, nosniff, referrer policy
    lrs.init_app(app)  # the default LRS destination, and the development worker thread
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    logging.getLogger("peerloop").debug("app created for %s", settings.base_url)
    return app
